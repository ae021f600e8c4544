namespace Vit.Cli;

/// <summary>The command line or its inputs ask for something that cannot be done: one <c>error:</c> line, exit code 2.</summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CommandLineException()
    {
    }
}
