namespace Vit.Cli;

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug or the machine): the message and stack trace are printed.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or input (a missing folder, a corrupt config, an output the model cannot give): one <c>error:</c> line, nothing written.</summary>
    public const int BadInput = 2;
}
