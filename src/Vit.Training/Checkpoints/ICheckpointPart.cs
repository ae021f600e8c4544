namespace Vit.Training;

/// <summary>
/// One piece of trainer state in a checkpoint (the model, the AdamW moments, the EMA, the generator, ...). Loading
/// first asks every part to <see cref="Check"/> the file and restores only when none found a problem, so a
/// checkpoint that does not fit changes nothing. New state (a loss scale, say) is one more part.
/// </summary>
internal interface ICheckpointPart
{
    /// <summary>Adds this part's tensors (and anything it keeps in <see cref="CheckpointContent.State"/>).</summary>
    void Save(CheckpointContent content);

    /// <summary>Adds a line to <paramref name="problems"/> for everything in <paramref name="content"/> that does not fit this part; changes nothing.</summary>
    void Check(CheckpointContent content, List<string> problems);

    /// <summary>Restores this part from a checkpoint that every part has checked.</summary>
    void Restore(CheckpointContent content);
}
