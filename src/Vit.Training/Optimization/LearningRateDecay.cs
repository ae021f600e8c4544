namespace Vit.Training;

/// <summary>How the learning rate moves from <see cref="TrainerOptions.LearningRate"/> after the warmup.</summary>
public enum LearningRateDecay
{
    /// <summary>Half a cosine wave down to <see cref="TrainerOptions.MinLearningRate"/> at <see cref="TrainerOptions.TotalSteps"/> (timm's and DeiT's default).</summary>
    Cosine = 0,

    /// <summary>A straight line down to <see cref="TrainerOptions.MinLearningRate"/> at <see cref="TrainerOptions.TotalSteps"/>.</summary>
    Linear = 1,

    /// <summary>Stays at <see cref="TrainerOptions.LearningRate"/> after the warmup.</summary>
    Constant = 2,
}
