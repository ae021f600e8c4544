using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;

namespace Vit.Samples.Inference;

/// <summary>The inference sample's options, parsing and usage text.</summary>
internal static class InferenceCommandLine
{
    private static readonly Argument<string[]> Inputs = new("inputs")
    {
        Description = "PNG/JPEG files, or IDX images files (e.g. data/fashion-mnist/t10k-images-idx3-ubyte.gz, labels file next to it)",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> Model = new("--model") { Description = "A model folder a Vit.Samples.FashionMnist run wrote (config.json, model.safetensors, model.onnx), or a file in it", Required = true };
    private static readonly Option<string> Engine = new("--engine") { Description = "onnx (ImageClassifier on ONNX Runtime, no libtorch) or torch (TorchSharp; also writes attention-rollout heatmaps)", DefaultValueFactory = _ => "onnx" };
    private static readonly Option<string> Samples = new("--samples") { Description = "Which samples of each IDX file: indices and ranges, e.g. 0-7 or 3,14,15", DefaultValueFactory = _ => "0-7" };
    private static readonly Option<string?> Out = new("--out") { Description = "Folder for the heatmap PNGs of --engine torch [default: attention/ in the model folder]" };
    private static readonly Option<string> Device = new("--device") { Description = "auto (CUDA when available), cpu or cuda", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string> Precision = new("--precision")
    {
        Description = "--engine torch: float32, bfloat16 or float16, the dtype the model is converted to and runs in (bfloat16 pays on CPUs with avx512_bf16 or AMX and on Ampere or newer GPUs; float16 on GPUs)",
        DefaultValueFactory = _ => "float32",
    };

    private static readonly RootCommand Root = CreateRoot();

    /// <summary>Parses the arguments.</summary>
    /// <returns><see langword="true"/> when inference should run; <see langword="false"/> for help or an error.</returns>
    public static bool TryParse(string[] args, out InferenceRequest? request, out string? error)
    {
        request = null;
        error = null;
        var result = Root.Parse(args);
        if (result.Action is HelpAction && result.Errors.Count == 0)
        {
            result.Invoke();
            return false;
        }

        if (result.Errors.Count > 0)
        {
            error = result.Errors[0].Message;
            return false;
        }

        if (result.GetValue(Precision) is string precision && precision != "float32" && result.GetValue(Engine) != "torch")
        {
            error = $"--precision {precision} converts the TorchSharp model: add --engine torch (the onnx engine runs the exported float32 graph).";
            return false;
        }

        request = new InferenceRequest
        {
            Model = result.GetValue(Model)!,
            Engine = result.GetValue(Engine)!,
            Inputs = result.GetValue(Inputs)!,
            Samples = ParseSamples(result.GetValue(Samples)!)!,
            OutputDirectory = result.GetValue(Out),
            Device = result.GetValue(Device)!,
            Precision = result.GetValue(Precision)!,
        };
        return true;
    }

    /// <summary>Writes the usage text (the same as <c>--help</c>).</summary>
    public static void WriteUsage(TextWriter writer) => Root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = writer });

    private static RootCommand CreateRoot()
    {
        Device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        Precision.AcceptOnlyFromAmong("float32", "bfloat16", "float16");
        Engine.AcceptOnlyFromAmong("onnx", "torch");
        Samples.Validators.Add(r =>
        {
            string text = r.GetValueOrDefault<string>(); // a string always converts
            if (ParseSamples(text) is null)
            {
                r.AddError($"--samples '{text}' is not a list of indices and ranges such as 0-7 or 3,14,15 (each ≥ 0, at most 256 in all).");
            }
        });
        return new RootCommand("Classifies images with a model trained by Vit.Samples.FashionMnist and prints the top 5; --engine torch also writes attention-rollout heatmaps.")
        {
            Inputs, Model, Engine, Samples, Out, Device, Precision,
        };
    }

    /// <summary>Parses "0-7" or "3,14,15" (or a mix); <see langword="null"/> when malformed.</summary>
    private static List<int>? ParseSamples(string text)
    {
        var indices = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-');
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                return null;
            }

            int first = int.Parse(ends[0], CultureInfo.InvariantCulture), last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (last < first || indices.Count + (last - first + 1) > 256)
            {
                return null;
            }

            indices.AddRange(Enumerable.Range(first, last - first + 1));
        }

        return indices.Count == 0 ? null : indices;
    }
}
