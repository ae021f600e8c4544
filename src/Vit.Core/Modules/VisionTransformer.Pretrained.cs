using System.Globalization;
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
    /// Builds the model a folder written by <see cref="SavePretrained"/> describes and loads its weights, in
    /// evaluation mode (as Hugging Face's <c>from_pretrained</c>); call <c>train()</c> to fine-tune.
    /// </summary>
    /// <param name="directory">A folder holding <c>config.json</c> and <c>model.safetensors</c>.</param>
    /// <returns>The model, on the CPU, in evaluation mode.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or <c>model.safetensors</c>.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, a field is missing or wrong (the message names it), or the config comes from a newer Vit.</exception>
    public static VisionTransformer FromPretrained(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var (options, _) = ReadPretrained(directory);
        string weights = Path.Combine(directory, PretrainedWeightsFileName);
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"'{weights}' does not exist: a model folder needs the {PretrainedWeightsFileName} that SavePretrained writes next to {PretrainedConfigFileName}.", weights);
        }

        var model = LoadTimm(weights, options);
        model.eval();
        return model;
    }

    /// <summary>Reads the preprocessing and class names of a model folder's <c>config.json</c>.</summary>
    /// <param name="directory">A folder written by <see cref="SavePretrained"/>.</param>
    /// <returns>The metadata, with every value filled in (no <see langword="null"/> defaults).</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt or incomplete.</exception>
    public static PretrainedMetadata ReadPretrainedMetadata(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return ReadPretrained(directory).Metadata;
    }

    /// <summary>Reads a model folder's architecture.</summary>
    /// <param name="directory">A folder written by <see cref="SavePretrained"/>.</param>
    /// <returns>The options the model was built with.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt or incomplete.</exception>
    public static VisionTransformerOptions ReadPretrainedOptions(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return ReadPretrained(directory).Options;
    }

    private static PretrainedConfig CreateConfig(VisionTransformerOptions o, PretrainedMetadata m) => new()
    {
        VitVersion = PretrainedVersion.Current,
        Architecture = TimmModelArgs.Architecture(o),
        NumClasses = o.NumClasses,
        NumFeatures = o.EmbedDim,
        GlobalPool = TimmModelArgs.GlobalPool(o),
        ModelArgs = TimmModelArgs.Write(o),
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

    private static (VisionTransformerOptions Options, PretrainedMetadata Metadata) ReadPretrained(string directory)
    {
        string path = Path.Combine(directory, PretrainedConfigFileName);
        var config = PretrainedConfig.Read(path);
        var options = VitOptionsJson.Read(new JsonFields(path, config.VitOptions, "vit_options."));
        var failures = new VisionTransformerOptionsValidator().Failures(options);
        if (failures.Count > 0)
        {
            throw new InvalidDataException($"'{path}': vit_options is invalid: {string.Join("; ", failures)}.");
        }

        var p = config.Preprocessing;
        int[] expected = [options.InChannels, options.ImageSize, options.ImageSize];
        if (!p.InputSize.SequenceEqual(expected) || config.NumClasses != options.NumClasses)
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"'{path}': pretrained_cfg.input_size is [{string.Join(", ", p.InputSize)}] and num_classes {config.NumClasses}, but vit_options describes [{string.Join(", ", expected)}] and {options.NumClasses} classes."));
        }

        var metadata = new PretrainedMetadata
        {
            Mean = [.. p.Mean.Select(v => (float)v)],
            Std = [.. p.Std.Select(v => (float)v)],
            ClassNames = [.. config.LabelNames],
            CropPct = p.CropPct,
            Interpolation = Enum.Parse<ResizeInterpolation>(p.Interpolation, ignoreCase: true),
        };
        return (options, metadata);
    }
}
