namespace Vit.Distributed;

/// <summary>
/// MPI is missing, is not Open MPI, or failed: the message says what happened and, when the library is missing,
/// which packages to install.
/// </summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MpiException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public MpiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an MPI error code.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="errorCode">The MPI error code the call returned.</param>
    public MpiException(string message, int errorCode)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public MpiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the MPI error code, or 0 when the failure did not come from an MPI call.</summary>
    public int ErrorCode { get; }
}
