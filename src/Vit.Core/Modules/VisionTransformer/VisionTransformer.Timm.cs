using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>Weights I/O in timm's format: a safetensors file of timm's <c>state_dict()</c>.</summary>
public sealed partial class VisionTransformer
{
    /// <summary>
    /// Builds a model for <paramref name="options"/> and loads a timm checkpoint into it. When the checkpoint's
    /// patch grid differs from the options' (another <c>ImageSize</c>), <c>pos_embed</c> is resampled bicubically as
    /// timm does (<see cref="PositionEmbedding.Resample"/>).
    /// </summary>
    /// <param name="safetensorsPath">A safetensors file holding a timm VisionTransformer <c>state_dict()</c>.</param>
    /// <param name="options">The architecture the checkpoint was trained with (except <c>ImageSize</c>, which may differ).</param>
    /// <returns>The loaded model, in training mode like any new module.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, or its keys or shapes do not fit the options (every offending key is listed).</exception>
    public static VisionTransformer LoadTimm(string safetensorsPath, VisionTransformerOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        var model = new VisionTransformer(options);
        try
        {
            model.LoadTimmWeights(safetensorsPath);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a timm checkpoint into this model, all or nothing: if any key is missing or unexpected or any shape
    /// differs, one exception lists every problem and no parameter changes. Build optimizers after loading.
    /// </summary>
    /// <param name="safetensorsPath">A safetensors file holding a timm VisionTransformer <c>state_dict()</c>.</param>
    /// <exception cref="InvalidDataException">The file is corrupt or does not fit this model.</exception>
    public void LoadTimmWeights(string safetensorsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensors.Load(safetensorsPath);
        TimmStateDict.CopyInto(this, tensors, $"'{safetensorsPath}'");
    }

    /// <summary>Loads a timm <c>state_dict</c> held in memory, with the same checks and resampling as <see cref="LoadTimmWeights"/>.</summary>
    /// <param name="stateDict">timm key names to tensors (any floating dtype, any device); not modified.</param>
    /// <exception cref="InvalidDataException">The keys or shapes do not fit this model.</exception>
    public void LoadTimmStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        TimmStateDict.CopyInto(this, stateDict, "The state dict");
    }

    /// <summary>
    /// Writes the weights as a safetensors file that timm's <c>load_state_dict</c> accepts unchanged (same keys,
    /// shapes and dtypes as timm's <c>state_dict()</c>). Written to a temporary file and renamed, so an existing
    /// file is replaced only by a complete one.
    /// </summary>
    /// <param name="safetensorsPath">The file to write.</param>
    public void SaveTimm(string safetensorsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = $"Vit.Core {typeof(VisionTransformer).Assembly.GetName().Version}",
        };
        SafeTensors.Save(safetensorsPath, state_dict(), metadata);
    }
}
