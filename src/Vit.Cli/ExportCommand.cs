using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Vit.Core;
using Vit.Onnx;

namespace Vit.Cli;

/// <summary><c>vit export &lt;folder&gt; &lt;out&gt;</c>: a model folder VisionTransformer.FromPretrained opens → config.json + model.onnx (+ the preprocessing files) for Vit.Inference.</summary>
internal static class ExportCommand
{
    /// <summary>The preprocessing files copied next to the graph when the source folder has them.</summary>
    private static readonly string[] ConfigFiles = [VisionTransformer.PretrainedConfigFileName, "preprocessor_config.json"];

    public static Command Create(TextWriter output)
    {
        var folder = new Argument<string>("folder") { Description = "A model folder VisionTransformer.FromPretrained opens (config.json + model.safetensors)" };
        var target = new Argument<string>("out") { Description = "The folder to write (must not exist or be empty); written whole, then renamed into place" };
        var outputs = new Option<string?>("--outputs")
        {
            Description = "Graph outputs, comma-separated: logits, embeddings (timm's pre-logits), tokens (every token after the final norm) [default: logits,embeddings; embeddings for a model without a classifier]",
        };
        var opset = new Option<int>("--opset") { Description = "ONNX opset, 17 to 23 (23: the fused Attention operator)", DefaultValueFactory = _ => new OnnxExportOptions().Opset };
        var quantize = new Option<string?>("--quantize")
        {
            Description = "Store the weights as int8 (per-channel symmetric, activations quantized per batch by ONNX Runtime's CPU kernels; about a quarter of the size) or fp16 (for GPUs) [default: float32]",
        };
        var command = new Command("export", "Write an app-ready folder (config.json + model.onnx) that ImageClassifier and ImageEmbedder load") { folder, target, outputs, opset, quantize };
        command.SetAction(r => Run(r.GetValue(folder)!, r.GetValue(target)!, r.GetValue(outputs), r.GetValue(opset), output, r.GetValue(quantize)));
        return command;
    }

    /// <summary>Exports; every check that needs no weights runs before the weights are read.</summary>
    public static int Run(string source, string target, string? outputList, int opset, TextWriter output, string? quantize = null)
    {
        var precision = quantize switch
        {
            null => OnnxPrecision.Float32,
            "int8" => OnnxPrecision.Int8Dynamic,
            "fp16" => OnnxPrecision.Float16,
            _ => throw new CommandLineException($"--quantize is '{quantize}'; expected int8 or fp16."),
        };

        if (!Directory.Exists(source))
        {
            throw new CommandLineException($"'{source}' is not a folder; expected a model folder (config.json + model.safetensors).");
        }

        var options = VisionTransformer.ReadPretrainedOptions(source);
        ThrowIfNoPreprocessing(source);
        bool classifier = options.NumClasses > 0;
        var outputs = outputList is null ? (classifier ? OnnxOutputs.Logits | OnnxOutputs.Embeddings : OnnxOutputs.Embeddings) : OutputNames.Parse(outputList);
        if (!classifier && outputs.HasFlag(OnnxOutputs.Logits))
        {
            throw new CommandLineException($"'{Path.Combine(source, VisionTransformer.PretrainedConfigFileName)}': num_classes is 0: the model has no classifier, so it cannot give logits; use --outputs embeddings (or tokens).");
        }

        var exportOptions = new OnnxExportOptions { Opset = opset, Outputs = outputs, Precision = precision };
        new OptionsValidator<OnnxExportOptions>().ThrowIfInvalid(exportOptions);
        using var staging = new StagingFolder(target);
        using (var model = VisionTransformer.FromPretrained(source))
        {
            model.ExportOnnx(Path.Combine(staging.Path, "model.onnx"), exportOptions);
        }

        foreach (string file in ConfigFiles.Where(f => File.Exists(Path.Combine(source, f))))
        {
            File.Copy(Path.Combine(source, file), Path.Combine(staging.Path, file));
        }

        staging.Commit();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {target}: model.onnx (outputs {string.Join(", ", OnnxExport.OutputNames(outputs))}; opset {opset}{(quantize is null ? string.Empty : $"; {quantize}")}; {options.Depth}x{options.EmbedDim}, {options.InChannels}x{options.ImageSize}x{options.ImageSize}) and its config"));
        return ExitCodes.Success;
    }

    /// <summary>A transformers folder keeps its preprocessing in preprocessor_config.json; without it Vit.Inference could not load the written folder.</summary>
    private static void ThrowIfNoPreprocessing(string source)
    {
        string config = Path.Combine(source, VisionTransformer.PretrainedConfigFileName);
        bool transformers = JsonNode.Parse(File.ReadAllText(config)) is JsonObject root && root.ContainsKey("model_type") && !root.ContainsKey("pretrained_cfg");
        if (transformers && !File.Exists(Path.Combine(source, ConfigFiles[1])))
        {
            throw new CommandLineException($"'{Path.Combine(source, ConfigFiles[1])}' does not exist: a transformers model folder ('{config}' has model_type) keeps its preprocessing there, and ImageClassifier/ImageEmbedder need it; download it with the model.");
        }
    }
}
