using System.CommandLine;
using Microsoft.Extensions.Options;

namespace Vit.Cli;

/// <summary>The <c>vit</c> command line: parsing, the commands, and how failures become exit codes.</summary>
internal static class VitCommandLine
{
    /// <summary>Runs one command line; bad input prints one <c>error:</c> line to <paramref name="error"/> and returns 2.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Vision Transformers for .NET: export model folders for apps, classify and embed images")
        {
            ExportCommand.Create(output),
            ClassifyCommand.Create(output),
            EmbedCommand.Create(output),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"error: {parsed.Errors[0].Message} (vit --help lists the commands)");
            return ExitCodes.BadInput;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is CommandLineException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or OptionsValidationException)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitCodes.BadInput;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
