using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Core.Tests.Checkpointing;

[Collection(TorchTestGroup.Name)]
public sealed class GradientCheckpointTests
{
    private static VisionTransformerOptions SmallOptions(double dropout) => new()
    {
        ImageSize = 16, PatchSize = 4, InChannels = 3, NumClasses = 5, EmbedDim = 32, Depth = 3, NumHeads = 4,
        Dropout = dropout, AttentionDropout = dropout, DropPathRate = dropout,
    };

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void SetGradCheckpointing_TrainingBackward_GivesTheSameLossAndGradients(double dropout)
    {
        var (plainLoss, plainGradients) = LossAndGradients(SmallOptions(dropout), checkpointing: false, precision: null);
        var (checkpointedLoss, checkpointedGradients) = LossAndGradients(SmallOptions(dropout), checkpointing: true, precision: null);

        checkpointedLoss.Should().BeApproximately(plainLoss, 1e-6f);
        checkpointedGradients.Keys.Should().Equal(plainGradients.Keys);
        foreach (var (name, gradient) in plainGradients)
        {
            MaxAbsDifference(checkpointedGradients[name], gradient).Should().BeLessThan(1e-5f, name);
        }
    }

    [Fact]
    public void SetGradCheckpointing_WithLayerScale_GivesTheSameGradients()
    {
        // LayerScale's gamma needs the MLP's output value, so these blocks recompute it in full.
        var options = SmallOptions(0.2);
        options.LayerScaleInit = 0.1;
        var (plainLoss, plainGradients) = LossAndGradients(options, checkpointing: false, precision: null);
        var (checkpointedLoss, checkpointedGradients) = LossAndGradients(options, checkpointing: true, precision: null);

        checkpointedLoss.Should().BeApproximately(plainLoss, 1e-6f);
        plainGradients.Keys.Should().Contain("blocks.0.ls2.gamma");
        foreach (var (name, gradient) in plainGradients)
        {
            MaxAbsDifference(checkpointedGradients[name], gradient).Should().BeLessThan(1e-5f, name);
        }
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(0.1, 2)]
    public void SetGradCheckpointing_Backward_LeavesOutTheMlpsLastProductUnlessLayerScaleNeedsIt(double? layerScale, int fc2Calls)
    {
        torch.manual_seed(7);
        var options = SmallOptions(0);
        options.LayerScaleInit = layerScale;
        using var model = new VisionTransformer(options);
        model.SetGradCheckpointing();
        var fc1 = CountCalls(model, "blocks.0.mlp.fc1");
        var fc2 = CountCalls(model, "blocks.0.mlp.fc2");
        using var images = torch.randn(2, 3, 16, 16);

        using (var loss = model.call(images).sum())
        {
            loss.backward();
        }

        fc1().Should().Be(2);
        fc2().Should().Be(fc2Calls);
        model.named_parameters().Single(p => p.name == "blocks.0.mlp.fc2.weight").parameter.grad.Should().NotBeNull();
    }

    [Fact]
    public void SetGradCheckpointing_UnderBFloat16Autocast_RecomputesInTheForwardsPrecision()
    {
        var (plainLoss, plainGradients) = LossAndGradients(SmallOptions(0), checkpointing: false, precision: ScalarType.BFloat16);
        var (checkpointedLoss, checkpointedGradients) = LossAndGradients(SmallOptions(0), checkpointing: true, precision: ScalarType.BFloat16);

        checkpointedLoss.Should().Be(plainLoss);
        foreach (var (name, gradient) in plainGradients)
        {
            MaxAbsDifference(checkpointedGradients[name], gradient).Should().BeLessThan(1e-5f, name);
        }
    }

    [Fact]
    public void SetGradCheckpointing_FollowingDraws_AreNotShiftedByTheRecomputation()
    {
        torch.manual_seed(11);
        using var model = new VisionTransformer(SmallOptions(0.2));
        model.SetGradCheckpointing();
        using var images = torch.randn(2, 3, 16, 16);
        torch.manual_seed(12);
        using (var loss = model.call(images).sum())
        {
            loss.backward();
        }

        using var afterCheckpointed = torch.rand(4);
        torch.manual_seed(12);
        model.SetGradCheckpointing(false);
        using (var loss = model.call(images).sum())
        {
            loss.backward();
        }

        using var afterPlain = torch.rand(4);
        model.GradientCheckpointing.Should().BeFalse();
        afterCheckpointed.data<float>().ToArray().Should().Equal(afterPlain.data<float>().ToArray());
    }

    [Fact]
    public void SetGradCheckpointing_Backward_RecomputesEveryBlockIncludingTheLast()
    {
        torch.manual_seed(7);
        using var model = new VisionTransformer(SmallOptions(0));
        model.SetGradCheckpointing();
        var calls = CountBlockCalls(model);
        using var images = torch.randn(2, 3, 16, 16);

        using (var loss = model.call(images).sum())
        {
            loss.backward();
        }

        // Keeping the last block's activations instead saves its forward but raised the resident peak (BENCHMARKS.md).
        calls.Should().Equal(2, 2, 2);
    }

    [Fact]
    public void Run_WithoutGradients_IsAPlainCall()
    {
        torch.manual_seed(3);
        using var block = new EncoderLayer(8, 2, 16);
        using var x = torch.randn(2, 5, 8);
        using var noGrad = torch.no_grad();

        using var checkpointed = GradientCheckpoint.Run(block, x);
        using var plain = block.call(x);

        checkpointed.requires_grad.Should().BeFalse();
        MaxAbsDifference(checkpointed, plain).Should().Be(0);
    }

    [Fact]
    public void Run_WhileRecording_LeavesOnlyItsOutputInTheCallersScope()
    {
        torch.manual_seed(3);
        using var block = new EncoderLayer(8, 2, 16);
        block.eval();
        using var x = torch.randn(2, 5, 8).requires_grad_();
        using var scope = torch.NewDisposeScope();

        var y = GradientCheckpoint.Run(block, x);

        // No copy of the output (TorchSharp's cache for materialising gradients) stays alive until the backward.
        y.requires_grad.Should().BeTrue();
        scope.DisposablesView.Should().ContainSingle().Which.Should().BeSameAs(y);
    }

    [Fact]
    public void Run_InputWithoutGradient_StillTrainsTheBlock()
    {
        torch.manual_seed(3);
        using var block = new EncoderLayer(8, 2, 16);
        using var x = torch.randn(2, 5, 8);

        using (var loss = GradientCheckpoint.Run(block, x).sum())
        {
            loss.backward();
        }

        block.parameters().Select(p => p.grad).Should().NotContainNulls();
    }

    private static (float Loss, Dictionary<string, Tensor> Gradients) LossAndGradients(VisionTransformerOptions options, bool checkpointing, ScalarType? precision)
    {
        torch.manual_seed(7);
        using var model = new VisionTransformer(options);
        model.SetGradCheckpointing(checkpointing);
        model.train();
        torch.manual_seed(8);
        using var images = torch.randn(4, 3, 16, 16);
        using var labels = torch.tensor(new long[] { 0, 1, 2, 4 });
        torch.manual_seed(9);
        float lossValue;
        using (precision is { } dtype ? Autocast.Enable(dtype) : null)
        using (var logits = model.call(images))
        using (var loss = nn.functional.cross_entropy(logits, labels))
        {
            loss.backward();
            lossValue = loss.item<float>();
        }

        var gradients = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (lossValue, gradients);
    }

    /// <summary>Counts each block's attention calls (the checkpoint's recomputation runs the block's attention again).</summary>
    private static int[] CountBlockCalls(VisionTransformer model)
    {
        var calls = new int[model.Blocks.Count];
        for (int i = 0; i < calls.Length; i++)
        {
            int index = i;
            Action<nn.Module> count = _ => calls[index]++;
            model.Blocks[i].Attention.register_forward_pre_hook(count);
        }

        return calls;
    }

    /// <summary>Counts the forward calls of the named submodule; the returned function reads the count.</summary>
    private static Func<int> CountCalls(VisionTransformer model, string name)
    {
        int calls = 0;
        Action<nn.Module> count = _ => calls++;
        ((nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == name).module).register_forward_pre_hook(count);
        return () => calls;
    }

    private static float MaxAbsDifference(Tensor a, Tensor b)
    {
        using var difference = (a - b).abs().max();
        return difference.item<float>();
    }
}
