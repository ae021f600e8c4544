namespace Vit.Core;

/// <summary>What <see cref="VisionTransformer.FromPretrained(string, out PretrainedLoadReport)"/> read and what it left out.</summary>
public sealed class PretrainedLoadReport
{
    /// <summary>Gets the folder's layout.</summary>
    public required PretrainedLayout Layout { get; init; }

    /// <summary>Gets the architecture the folder names: timm's name, transformers' model class, or Vit's timm name.</summary>
    public required string Architecture { get; init; }

    /// <summary>Gets the number of tensors read from the weights file and loaded into the model (after renaming and fusing).</summary>
    public required int LoadedTensors { get; init; }

    /// <summary>
    /// Gets the weights in the file that the model has no place for, each with the reason (transformers' ViTModel
    /// <c>pooler</c>, DINOv2's <c>mask_token</c>); empty for timm and Vit folders, which must fit exactly.
    /// </summary>
    public required IReadOnlyDictionary<string, string> UnusedKeys { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Layout} folder, {Architecture}: {LoadedTensors} tensors loaded" +
        (UnusedKeys.Count == 0 ? "" : $"; unused: {string.Join("; ", UnusedKeys.Select(u => $"{u.Key} ({u.Value})"))}");
}
