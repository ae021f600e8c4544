using Vit.Core;

namespace Vit.Onnx;

/// <summary>Validates <see cref="OnnxExportOptions"/>: the DataAnnotations ranges, then the combinations a graph cannot take.</summary>
public sealed class OnnxExportOptionsValidator : OptionsValidator<OnnxExportOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(OnnxExportOptions options)
    {
        if (options.Precision == OnnxPrecision.Int8Dynamic && options.OnnxRuntimeAttention)
        {
            // The contrib Attention kernel holds the q/k/v projection, so no linear layer is left for the int8 pass to take.
            yield return $"OnnxExportOptions.Precision is {Show(options.Precision)} and OnnxRuntimeAttention is {Show(options.OnnxRuntimeAttention)}, but com.microsoft.Attention computes the q/k/v projection inside its kernel in float32, where int8 cannot reach it; set OnnxRuntimeAttention to false to quantize";
        }
    }
}
