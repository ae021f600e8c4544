using System.Globalization;

namespace Vit.Training;

/// <summary>
/// Thrown when an update's loss or gradient norm is NaN or infinite and
/// <see cref="TrainerOptions.NonFiniteHandling"/> is <see cref="NonFiniteHandling.Throw"/>. It is thrown before the
/// optimizer runs, so the weights and AdamW moments are those of the last good update.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TrainingDivergedException()
        : base("Training produced a non-finite loss or gradient.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the update with 0-based index <paramref name="step"/>.</summary>
    /// <param name="step">The 0-based index of the update that was refused.</param>
    /// <param name="loss">That update's loss.</param>
    /// <param name="gradientNorm">That update's global gradient L2 norm (before clipping).</param>
    public TrainingDivergedException(long step, double loss, double gradientNorm)
        : base(string.Create(
            CultureInfo.InvariantCulture,
            $"Non-finite values at training step {step} (0-based update index): loss = {loss}, gradient norm = {gradientNorm}. The update was not applied; the weights are those after step {step - 1}."))
    {
        Step = step;
        Loss = loss;
        GradientNorm = gradientNorm;
    }

    /// <summary>Gets the 0-based index of the refused update (-1 when not known).</summary>
    public long Step { get; } = -1;

    /// <summary>Gets the refused update's loss.</summary>
    public double Loss { get; } = double.NaN;

    /// <summary>Gets the refused update's gradient norm.</summary>
    public double GradientNorm { get; } = double.NaN;
}
