namespace Vit.Training;

/// <summary>What a <see cref="TrainingProgress"/> report is about.</summary>
public enum TrainingProgressKind
{
    /// <summary>Every <see cref="TrainerOptions.LogEverySteps"/> updates during an epoch.</summary>
    Step = 0,

    /// <summary>At the end of an epoch, with its mean loss and, if it was evaluated, the evaluation.</summary>
    Epoch = 1,
}
