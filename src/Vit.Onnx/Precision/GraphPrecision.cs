using Onnx;

namespace Vit.Onnx;

/// <summary>Applies an <see cref="OnnxPrecision"/> to an exported float32 graph and records it in the graph's metadata.</summary>
internal static class GraphPrecision
{
    /// <summary>The metadata key (and config.json field) that states a graph's precision.</summary>
    public const string MetadataKey = "vit_precision";

    /// <summary>The name written for a precision: <c>float32</c>, <c>float16</c>, <c>int8_dynamic</c>, <c>int8_static</c>.</summary>
    public static string Name(OnnxPrecision precision) => precision switch
    {
        OnnxPrecision.Float32 => "float32",
        OnnxPrecision.Float16 => "float16",
        OnnxPrecision.Int8Dynamic => "int8_dynamic",
        OnnxPrecision.Int8Static => "int8_static",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, $"OnnxPrecision {precision} is not one Vit writes."),
    };

    public static void Apply(ModelProto model, OnnxExportOptions options)
    {
        var precision = options.Precision;
        switch (precision)
        {
            case OnnxPrecision.Float16:
                Float16Conversion.Apply(model);
                break;
            case OnnxPrecision.Int8Dynamic:
                DynamicInt8Quantization.Apply(model);
                break;
            case OnnxPrecision.Int8Static:
                var inputs = StaticInt8Quantization.LinearInputs(model);
                var ranges = ActivationCalibration.Measure(model, inputs, options.CalibrationImages!, options.CalibrationBatchSize);
                StaticInt8Quantization.Apply(model, ranges);
                break;
        }

        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = Name(precision) });
    }
}
