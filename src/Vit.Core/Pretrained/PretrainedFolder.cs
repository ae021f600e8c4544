using Vit.Pretrained;

namespace Vit.Core;

/// <summary>
/// A model folder read up to the point of building: its layout (told by <c>config.json</c>'s fields), the options and
/// preprocessing it describes, and its weights file, whose header has been checked against every size in the config
/// (so nothing is built that the file cannot fill).
/// </summary>
internal sealed class PretrainedFolder
{
    private PretrainedFolder(PretrainedLayout layout, string architecture, VisionTransformerOptions options, PretrainedMetadata metadata, string configPath)
    {
        Layout = layout;
        Architecture = architecture;
        Options = options;
        Metadata = metadata;
        ConfigPath = configPath;
    }

    public PretrainedLayout Layout { get; }

    public string Architecture { get; }

    public VisionTransformerOptions Options { get; }

    public PretrainedMetadata Metadata { get; }

    public string ConfigPath { get; }

    /// <summary>Gets the weights file (set by <see cref="CheckWeights"/>).</summary>
    public string WeightsPath { get; private set; } = "";

    /// <summary>Gets the renaming of a transformers folder's weights; null for timm's keys.</summary>
    public TransformersKeyMap.Plan? KeyPlan { get; private set; }

    /// <summary>Reads <c>config.json</c> of any of the three layouts.</summary>
    /// <exception cref="FileNotFoundException">There is no config.json.</exception>
    /// <exception cref="InvalidDataException">The config is corrupt, inconsistent or describes what Vit cannot build.</exception>
    public static PretrainedFolder ReadConfig(string directory)
    {
        string path = Path.Combine(directory, PretrainedConfig.FileName);
        var fields = ConfigFile.Read(path);
        var root = fields.Node;
        if (root.ContainsKey("vit_version") || root.ContainsKey("vit_options"))
        {
            var (architecture, options, metadata) = VitFolderConfig.Read(fields);
            return new PretrainedFolder(PretrainedLayout.Vit, architecture, options, metadata, path);
        }

        if (root.ContainsKey("architecture"))
        {
            var (architecture, options, metadata) = TimmHubConfig.Read(path, root);
            return new PretrainedFolder(PretrainedLayout.Timm, architecture, options, metadata, path);
        }

        if (root.ContainsKey("model_type"))
        {
            var (architecture, options, metadata) = TransformersConfig.Read(path, root);
            return new PretrainedFolder(PretrainedLayout.Transformers, architecture, options, metadata, path);
        }

        throw new InvalidDataException($"'{path}' is not a model config Vit knows: expected 'architecture' (timm), 'model_type' (transformers) or 'vit_options' (Vit).");
    }

    /// <summary>Finds the weights and checks the config's sizes against their header, before anything is built.</summary>
    /// <exception cref="FileNotFoundException">The folder has no weights.</exception>
    /// <exception cref="InvalidDataException">The weights are a pickle or sharded, corrupt, or of other sizes than the config says.</exception>
    public void CheckWeights(string directory)
    {
        WeightsPath = FindWeights(directory);
        var shapes = WeightsHeader.ReadShapes(WeightsPath);
        if (Layout == PretrainedLayout.Transformers)
        {
            KeyPlan = TransformersKeyMap.Map(shapes.Keys);
            shapes = TransformersKeyMap.Shapes(KeyPlan, shapes);
        }

        PretrainedSizeCheck.Check(Options, shapes, ConfigPath, WeightsPath, FieldName);
    }

    /// <summary>The config's name for an option, for messages.</summary>
    private string FieldName(string option) => Layout switch
    {
        PretrainedLayout.Vit => $"vit_options.{VitOptionsJson.JsonName(option)}",
        PretrainedLayout.Timm => option switch
        {
            nameof(VisionTransformerOptions.EmbedDim) => "embed_dim",
            nameof(VisionTransformerOptions.Depth) => "depth",
            nameof(VisionTransformerOptions.MlpRatio) => "mlp_ratio",
            nameof(VisionTransformerOptions.NumClasses) => "num_classes",
            nameof(VisionTransformerOptions.ImageSize) => "img_size",
            nameof(VisionTransformerOptions.PatchSize) => "patch_size",
            nameof(VisionTransformerOptions.InChannels) => "in_chans",
            nameof(VisionTransformerOptions.RegisterTokens) => "reg_tokens",
            _ => option,
        },
        _ => option switch
        {
            nameof(VisionTransformerOptions.EmbedDim) => "hidden_size",
            nameof(VisionTransformerOptions.Depth) => "num_hidden_layers",
            nameof(VisionTransformerOptions.MlpRatio) => Options.Mlp == MlpKind.Standard && Architecture.StartsWith("ViT", StringComparison.Ordinal) ? "intermediate_size" : "mlp_ratio",
            nameof(VisionTransformerOptions.NumClasses) => "id2label",
            nameof(VisionTransformerOptions.ImageSize) => "image_size",
            nameof(VisionTransformerOptions.PatchSize) => "patch_size",
            nameof(VisionTransformerOptions.InChannels) => "num_channels",
            nameof(VisionTransformerOptions.RegisterTokens) => "num_register_tokens",
            _ => option,
        },
    };

    private static string FindWeights(string directory)
    {
        string weights = Path.Combine(directory, VisionTransformer.PretrainedWeightsFileName);
        if (File.Exists(weights))
        {
            return weights;
        }

        string pickle = Path.Combine(directory, "pytorch_model.bin");
        if (File.Exists(pickle))
        {
            throw new InvalidDataException(
                $"'{pickle}' is a PyTorch pickle, which Vit does not load (unpickling can run code); Vit reads {VisionTransformer.PretrainedWeightsFileName}. " +
                "Convert it once with Python: import torch; from safetensors.torch import save_file; " +
                "save_file(torch.load('pytorch_model.bin', weights_only=True), 'model.safetensors') (or download the repository's model.safetensors).");
        }

        string index = Path.Combine(directory, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            throw new InvalidDataException($"'{index}' splits the weights into shards, which Vit does not read; save them as one {VisionTransformer.PretrainedWeightsFileName}.");
        }

        throw new FileNotFoundException($"'{weights}' does not exist: a model folder needs the {VisionTransformer.PretrainedWeightsFileName} that SavePretrained writes next to {PretrainedConfig.FileName}.", weights);
    }
}
