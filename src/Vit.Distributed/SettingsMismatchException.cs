namespace Vit.Distributed;

/// <summary>
/// The ranks of a job hold different values where they must hold the same (settings, model layout, data): thrown
/// on every rank, with the same message, by <see cref="MpiCommunicator.VerifyIdentical(string, string)"/>.
/// </summary>
public sealed class SettingsMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public SettingsMismatchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What differs, and between which ranks.</param>
    public SettingsMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What differs.</param>
    /// <param name="innerException">The cause.</param>
    public SettingsMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the ranks whose value differs from rank 0's.</summary>
    public IReadOnlyList<int> DifferingRanks { get; init; } = [];
}
