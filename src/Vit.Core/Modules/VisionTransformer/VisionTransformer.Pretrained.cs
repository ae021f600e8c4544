using System.Globalization;
using TorchSharp;
using Vit.Pretrained;

namespace Vit.Core;

/// <summary>Model folders, like Hugging Face's <c>save_pretrained</c> / <c>from_pretrained</c>: <c>config.json</c> + <c>model.safetensors</c>.</summary>
public sealed partial class VisionTransformer
{
    /// <summary>The weights' file name inside a model folder.</summary>
    public const string PretrainedWeightsFileName = "model.safetensors";

    /// <summary>The config's file name inside a model folder.</summary>
    public const string PretrainedConfigFileName = PretrainedConfig.FileName;

    /// <summary>
    /// Writes a model folder: <c>model.safetensors</c> (timm's keys, as <see cref="SaveTimm"/>) and <c>config.json</c>
    /// (every <see cref="VisionTransformerOptions"/> field, the input size and channels, normalisation, class names and
    /// the Vit version, in timm's Hugging Face layout so <c>timm.create_model("local-dir:DIR", pretrained=True)</c> opens
    /// it). Each file is written whole and renamed into place; the config goes last, so a folder with a config is complete.
    /// </summary>
    /// <param name="directory">The folder (created if missing; existing files of these names are replaced).</param>
    /// <param name="metadata">Preprocessing and class names; <see langword="null"/> takes <see cref="PretrainedMetadata"/>'s defaults.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The metadata does not fit the model (one failure per bad field), or the model has no classifier.</exception>
    public void SavePretrained(string directory, PretrainedMetadata? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var m = metadata?.Clone() ?? new PretrainedMetadata();
        new PretrainedMetadataValidator(_options).ThrowIfInvalid(m);
        var config = CreateConfig(_options, m);
        Directory.CreateDirectory(directory);
        SaveTimm(Path.Combine(directory, PretrainedWeightsFileName));
        AtomicFile.WriteAllText(Path.Combine(directory, PretrainedConfigFileName), config.ToJson());
    }

    /// <summary>
    /// Builds the model a folder describes and loads its weights, in evaluation mode (as Hugging Face's
    /// <c>from_pretrained</c>); call <c>train()</c> to fine-tune. Opens Vit's folders (<see cref="SavePretrained"/>),
    /// timm's hub folders (<c>architecture</c>, <c>model_args</c>, <c>pretrained_cfg</c>; timm's keys) and transformers'
    /// ViT / DINOv2 folders (keys renamed, query/key/value fused). Every size in the config is checked against the
    /// weights file's header before anything is built. Weights the model has no place for (transformers' ViTModel
    /// pooler, DINOv2's mask token) are reported as a trace warning; the overload with a report returns them.
    /// </summary>
    /// <param name="directory">A folder holding <c>config.json</c> and <c>model.safetensors</c>.</param>
    /// <returns>The model, on the CPU, in evaluation mode.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or <c>model.safetensors</c>.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, a field is missing or wrong, or describes what Vit does not build, or the weights do not fit (the message names the file and field).</exception>
    public static VisionTransformer FromPretrained(string directory)
    {
        var model = FromPretrained(directory, out var report);
        if (report.UnusedKeys.Count > 0)
        {
            System.Diagnostics.Trace.TraceWarning($"VisionTransformer.FromPretrained('{directory}'): {report}");
        }

        return model;
    }

    /// <summary>As <see cref="FromPretrained(string)"/>, and says what was loaded and which weights were left unused.</summary>
    /// <param name="directory">A folder holding <c>config.json</c> and <c>model.safetensors</c>.</param>
    /// <param name="report">The folder's layout, architecture, number of tensors loaded and the unused weights with reasons.</param>
    /// <returns>The model, on the CPU, in evaluation mode.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or <c>model.safetensors</c>.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, a field is missing or wrong, or the weights do not fit.</exception>
    public static VisionTransformer FromPretrained(string directory, out PretrainedLoadReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var folder = PretrainedFolder.ReadConfig(directory);
        folder.CheckWeights(directory);
        var model = new VisionTransformer(folder.Options);
        int loaded;
        try
        {
            using var scope = torch.NewDisposeScope();
            var tensors = SafeTensors.Load(folder.WeightsPath);
            var timm = folder.KeyPlan is { } plan ? TransformersKeyMap.Tensors(plan, tensors) : tensors;
            TimmStateDict.CopyInto(model, timm, $"'{folder.WeightsPath}'");
            loaded = timm.Count;
        }
        catch
        {
            model.Dispose();
            throw;
        }

        model.eval();
        report = new PretrainedLoadReport
        {
            Layout = folder.Layout,
            Architecture = folder.Architecture,
            LoadedTensors = loaded,
            UnusedKeys = folder.KeyPlan?.UnusedKeys ?? new Dictionary<string, string>(),
        };
        return model;
    }

    /// <summary>Reads the preprocessing and class names of a model folder's <c>config.json</c>.</summary>
    /// <param name="directory">A model folder of any layout <see cref="FromPretrained(string)"/> opens.</param>
    /// <returns>The metadata, with mean, std, crop and interpolation filled in (class names null for a model without classes).</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt or incomplete.</exception>
    public static PretrainedMetadata ReadPretrainedMetadata(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return ReadPretrained(directory).Metadata;
    }

    /// <summary>Reads a model folder's architecture.</summary>
    /// <param name="directory">A model folder of any layout <see cref="FromPretrained(string)"/> opens.</param>
    /// <returns>The options the model was built with.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt or incomplete.</exception>
    public static VisionTransformerOptions ReadPretrainedOptions(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return ReadPretrained(directory).Options;
    }

    private static PretrainedConfig CreateConfig(VisionTransformerOptions o, PretrainedMetadata m)
    {
        string architecture = TimmModelArgs.Architecture(o);
        return new PretrainedConfig
        {
            VitVersion = PretrainedVersion.Current,
            Architecture = architecture,
            NumClasses = o.NumClasses,
            NumFeatures = o.EmbedDim,
            GlobalPool = TimmModelArgs.GlobalPool(o),
            ModelArgs = TimmModelArgs.Write(o, architecture),
            VitOptions = VitOptionsJson.Write(o),
            Preprocessing = new PretrainedPreprocessing
            {
                InputSize = [o.InChannels, o.ImageSize, o.ImageSize],
                Interpolation = m.Interpolation.ToString().ToLowerInvariant(),
                CropPct = m.CropPct,
                CropMode = "center",
                Mean = [.. (m.Mean ?? Enumerable.Repeat(0.5f, o.InChannels).ToArray()).Select(v => (double)v)],
                Std = [.. (m.Std ?? Enumerable.Repeat(0.5f, o.InChannels).ToArray()).Select(v => (double)v)],
            },
            LabelNames = m.ClassNames ?? [.. Enumerable.Range(0, o.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture))],
        };
    }

    private static (VisionTransformerOptions Options, PretrainedMetadata Metadata) ReadPretrained(string directory)
    {
        var folder = PretrainedFolder.ReadConfig(directory);
        return (folder.Options, folder.Metadata);
    }
}
