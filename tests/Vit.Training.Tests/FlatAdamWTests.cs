using FluentAssertions;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Training.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class FlatAdamWTests
{
    [Fact]
    public void GradientNorm_ManyElementsWithATail_EqualsTheNormInDoublePrecision()
    {
        // 3 * 1024 + 5 elements: whole chunks plus a tail shorter than one.
        long[] sizes = [2048, 1029];
        using var scope = NewDisposeScope();
        var parameters = sizes.Select((n, i) => ($"p{i}", new Parameter(zeros(n)))).ToList();
        var plan = AdamWParameterGroups.Plan(parameters, weightDecay: 0, scales: null);
        using var optimizer = AdamWParameterGroups.Create(plan, 1e-3, 0.9, 0.999, 1e-8);
        using var flat = FlatAdamW.Create(optimizer, plan);
        flat.ZeroGradients();
        var values = rand(flat.Gradients.numel(), generator: new Generator(3), dtype: ScalarType.Float64) * 3 - 1;
        flat.Gradients.copy_(values);

        double norm = flat.GradientNorm().item<float>();
        double expected = Math.Sqrt(values.data<double>().ToArray().Sum(v => v * v));

        flat.Gradients.numel().Should().Be((3 * FlatAdamW.NormChunk) + 5);
        norm.Should().BeApproximately(expected, expected * 2e-7);
        parameters[1].Item2.grad!.data<float>()[1028].Should().Be(flat.Gradients.data<float>()[3076], "each gradient is a view of the flat buffer");
    }

    [Fact]
    public void Create_ParametersOfTwoDtypes_ThrowsNamingThem()
    {
        using var a = new Parameter(zeros(4));
        using var b = new Parameter(zeros(4, dtype: ScalarType.Float64));
        var plan = AdamWParameterGroups.Plan([("a", a), ("b", b)], weightDecay: 0, scales: null);
        using var optimizer = AdamWParameterGroups.Create(plan, 1e-3, 0.9, 0.999, 1e-8);

        FluentActions.Invoking(() => FlatAdamW.Create(optimizer, plan)).Should().Throw<ArgumentException>()
            .WithMessage("The trainer keeps all trained parameters in one buffer, so they must share one dtype and device: 'a' is Float32 on cpu but 'b' is Float64 on cpu.*");
    }
}
