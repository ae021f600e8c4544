using Vit.Core;

namespace Vit.Onnx;

/// <summary>Validates <see cref="OnnxExportOptions"/>: the DataAnnotations ranges, then the combinations a graph cannot take.</summary>
public sealed class OnnxExportOptionsValidator : OptionsValidator<OnnxExportOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(OnnxExportOptions options)
    {
        if (options.Precision is OnnxPrecision.Int8Dynamic or OnnxPrecision.Int8Static && options.OnnxRuntimeAttention)
        {
            // The contrib Attention kernel holds the q/k/v projection, so no linear layer is left for the int8 pass to take.
            yield return $"OnnxExportOptions.Precision is {Show(options.Precision)} and OnnxRuntimeAttention is {Show(options.OnnxRuntimeAttention)}, but com.microsoft.Attention computes the q/k/v projection inside its kernel in float32, where int8 cannot reach it; set OnnxRuntimeAttention to false to quantize";
        }

        var images = options.CalibrationImages;
        if (options.Precision == OnnxPrecision.Int8Static && images is null)
        {
            yield return "OnnxExportOptions.CalibrationImages is null, but Precision Int8Static measures the activation ranges on them; give float32 images [N, C, H, W] preprocessed as for inference (a few dozen like the app's)";
        }

        if (options.Precision != OnnxPrecision.Int8Static && images is not null)
        {
            yield return $"OnnxExportOptions.CalibrationImages is set, but Precision is {Show(options.Precision)} and only Int8Static reads them; set Precision to Int8Static or leave CalibrationImages null";
        }

        if (images is not null && (images.IsInvalid || images.dim() != 4 || images.shape[0] < 1 || images.dtype != TorchSharp.torch.ScalarType.Float32))
        {
            string shape = images.IsInvalid ? "a disposed tensor" : $"{images.dtype} [{string.Join(", ", images.shape)}]";
            yield return $"OnnxExportOptions.CalibrationImages is {shape}, but must be Float32 [N, C, H, W] with N at least 1";
        }
    }
}
