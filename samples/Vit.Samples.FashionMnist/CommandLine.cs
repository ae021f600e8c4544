using System.CommandLine;
using System.CommandLine.Help;
using Vit.Samples.FashionMnist.Options;

namespace Vit.Samples.FashionMnist;

/// <summary>Parses the command line and writes the usage text, both from <see cref="RunOptions.All"/>.</summary>
internal static class CommandLine
{
    private static readonly (RunOption Option, Option Symbol)[] Symbols = [.. RunOptions.All.Select(o => (o, o.CreateSymbol(RunOptions.DefaultText(o))))];

    private static readonly RootCommand Root = CreateRoot();

    /// <summary>Parses the arguments.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="request">The request, when parsing succeeded and help was not asked for.</param>
    /// <param name="error">The first problem, when there is one.</param>
    /// <returns><see langword="true"/> when training should start; <see langword="false"/> for help or an error.</returns>
    public static bool TryParse(string[] args, out CommandLineRequest? request, out string? error)
    {
        request = null;
        var result = Root.Parse(args);
        if (result.Errors.Count > 0)
        {
            error = result.Errors[0].Message;
            return false;
        }

        if (result.Action is HelpAction)
        {
            result.Invoke();
            error = null;
            return false;
        }

        error = Read(result, out var values) ?? Build(values, out request);
        if (error is not null)
        {
            request = null;
            error = error.EndsWith('.') ? error : error + ".";
        }

        return error is null;
    }

    /// <summary>Writes the usage text (the same as <c>--help</c>).</summary>
    /// <param name="writer">Where to write it.</param>
    public static void WriteUsage(TextWriter writer)
    {
        var result = Root.Parse(["--help"]);
        result.Invoke(new InvocationConfiguration { Output = writer });
    }

    /// <summary>Every option given, parsed and checked, in usage order; the first problem, if any.</summary>
    private static string? Read(ParseResult result, out List<(RunOption Option, object? Value)> values)
    {
        values = [];
        foreach (var (option, symbol) in Symbols)
        {
            if (result.GetResult(symbol) is not { Implicit: false })
            {
                continue;
            }

            string? error = null;
            object? value = symbol is Option<bool> flag ? result.GetValue(flag) : option.Parse(result.GetValue((Option<string>)symbol)!, out error);
            if ((error ??= option.Problem(option.Name, value)) is not null)
            {
                return error;
            }

            values.Add((option, value));
        }

        return null;
    }

    /// <summary>The request: the preset's settings with the given ones on top (a new run), or the run to resume.</summary>
    private static string? Build(List<(RunOption Option, object? Value)> values, out CommandLineRequest? request)
    {
        request = null;
        var resumeOption = RunOptions.Of(nameof(CommandLineRequest.Resume));
        bool resume = values.Exists(v => v.Option == resumeOption);
        if (resume && values.Find(v => !v.Option.Resumable).Option is RunOption fixedByRun)
        {
            var mayChange = RunOptions.All.Where(o => o.Resumable && o != resumeOption).Select(o => o.Name).ToList();
            return $"{fixedByRun.Name} cannot be combined with --resume: a resumed run keeps the settings it was started with (only {Requirement.List(mayChange, "and")} may change).";
        }

        var presetOption = RunOptions.Of(nameof(RunSettings.Preset));
        var preset = SamplePresets.Find(values.Find(v => v.Option == presetOption).Value as string ?? SamplePresets.DefaultName)!;
        // Copies, so the preset's defaults and the fresh request are set here and nowhere else.
        var settings = preset.Defaults with { };
        var launch = new CommandLineRequest();
        foreach (var (option, value) in values)
        {
            option.Field.SetValue(option.IsSetting ? settings : launch, option == presetOption ? preset.Name : value);
        }

        if (!resume && RunOptions.FirstProblem(settings, o => o.Name) is string problem)
        {
            return problem;
        }

        request = launch with { Settings = resume ? null : settings };
        return null;
    }

    private static RootCommand CreateRoot()
    {
        var root = new RootCommand("Trains a Vision Transformer from scratch on Fashion-MNIST (Hide-and-Seek and timm's augmentations on request) and writes metrics.csv, model.safetensors (timm keys) and charts.");
        foreach (var (_, symbol) in Symbols)
        {
            root.Options.Add(symbol);
        }

        return root;
    }
}
