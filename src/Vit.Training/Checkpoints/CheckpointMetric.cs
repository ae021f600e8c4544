namespace Vit.Training;

/// <summary>The evaluation figure that decides which checkpoint is kept as the best one.</summary>
public enum CheckpointMetric
{
    /// <summary>Keep no best checkpoint.</summary>
    None = 0,

    /// <summary>Highest top-1 accuracy on the validation loader.</summary>
    ValidationTop1 = 1,

    /// <summary>Highest top-5 accuracy on the validation loader.</summary>
    ValidationTop5 = 2,

    /// <summary>Lowest cross-entropy on the validation loader.</summary>
    ValidationLoss = 3,
}
