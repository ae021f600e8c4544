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
    public void Step_GroupLongerThanOneUpdateChunk_MatchesTorchSharpsAdamW()
    {
        // 2,049 x 2,048 elements: one whole update chunk and a second, partial one.
        using var scope = NewDisposeScope();
        var initial = randn([2049, 2048], generator: new Generator(5));
        var flatWeight = new Parameter(initial.clone());
        var referenceWeight = new Parameter(initial.clone());
        var plan = AdamWParameterGroups.Plan([("w", flatWeight)], weightDecay: 0.05, scales: null);
        using var optimizer = AdamWParameterGroups.Create(plan, 1e-3, 0.9, 0.999, 1e-8);
        using var flat = FlatAdamW.Create(optimizer, plan);
        using var reference = torch.optim.AdamW([referenceWeight], lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.05);
        var generator = new Generator(6);
        for (int step = 0; step < 3; step++)
        {
            var gradient = randn([2049, 2048], generator: generator);
            flat.ZeroGradients();
            flat.Gradients.copy_(gradient.flatten());
            flat.Step(1e-3);
            reference.zero_grad();
            referenceWeight.grad = gradient.clone();
            reference.step();
        }

        flat.Parameters.numel().Should().BeGreaterThan(FlatAdamW.UpdateChunk);
        using var difference = (flat.Parameters.view(2049, 2048) - referenceWeight).abs().max();
        difference.item<float>().Should().BeLessThan(1e-7f);
        using var moved = (referenceWeight - initial).abs().max();
        moved.item<float>().Should().BeGreaterThan(1e-3f, "three steps at lr 1e-3 move the weights");
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
