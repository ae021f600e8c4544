using FluentAssertions;
using Xunit;

namespace Vit.Core.Tests.Timm;

/// <summary>FromTimm / TimmArchitectures: timm's ViT architectures by name, from the table read out of timm 1.0.29's source.</summary>
[Collection(TorchTestGroup.Name)]
public sealed class VisionTransformerOptionsTimmTests
{
    // The architectures of vision_transformer.py and deit.py whose block, attention or position scheme Vit does not build.
    private static readonly string[] OtherBlocks =
    [
        "vit_base_patch16_18x2_224", "vit_small_patch16_18x2_224", "vit_base_patch16_rpn_224", "vit_base_patch16_xp_224",
        "vit_large_patch14_xp_224", "vit_huge_patch14_xp_224", "vit_pwee_patch16_reg1_gap_256", "vit_dpwee_patch16_reg1_gap_256",
        "vit_dlittle_patch16_reg1_gap_256", "vit_dwee_patch16_reg1_gap_256",
    ];

    [Fact]
    public void TimmArchitectures_Timm1029_Lists173Names()
    {
        var names = VisionTransformerOptions.TimmArchitectures;

        TimmRegistry.TimmVersion.Should().Be("1.0.29.dev0");
        names.Should().HaveCount(173).And.OnlyHaveUniqueItems();
        names.Should().Contain(["vit_base_patch16_224", "deit_tiny_distilled_patch16_224", "vit_small_patch14_reg4_dinov2", "aimv2_large_patch14_224", "vit_so400m_patch14_siglip_378"]);
    }

    [Fact]
    public void FromTimm_EveryStandardBlockArchitecture_GivesValidOptions()
    {
        var invalid = new Dictionary<string, string>();
        var refused = new List<string>();
        foreach (string name in VisionTransformerOptions.TimmArchitectures)
        {
            try
            {
                var failures = new VisionTransformerOptionsValidator().Failures(VisionTransformerOptions.FromTimm(name));
                if (failures.Count > 0)
                {
                    invalid.Add(name, string.Join("; ", failures));
                }
            }
            catch (NotSupportedException)
            {
                refused.Add(name);
            }
        }

        refused.Should().BeEquivalentTo(OtherBlocks);

        // timm floors 384 / 14 to a 27-patch grid (the last 6 pixels are never seen); Vit asks for a divisible size.
        invalid.Should().Equal(new Dictionary<string, string>
        {
            ["vit_so400m_patch14_siglip_384"] = "VisionTransformerOptions.ImageSize is 384 and PatchSize is 14, but ImageSize must be divisible by PatchSize",
            ["vit_so400m_patch14_siglip_gap_384"] = "VisionTransformerOptions.ImageSize is 384 and PatchSize is 14, but ImageSize must be divisible by PatchSize",
        });
    }

    [Fact]
    public void FromTimm_VitBasePatch16_384_TakesTheInputSizeFromTheDefaultPretrainedConfig()
    {
        var options = VisionTransformerOptions.FromTimm("vit_base_patch16_384");

        options.Should().BeEquivalentTo(new VisionTransformerOptions
        {
            ImageSize = 384, PatchSize = 16, InChannels = 3, NumClasses = 1000, EmbedDim = 768, Depth = 12, NumHeads = 12, MlpRatio = 4,
        });
    }

    [Fact]
    public void FromTimm_DinoV2WithRegisters_GivesTimmsTokensAndHeadlessModel()
    {
        var options = VisionTransformerOptions.FromTimm("vit_small_patch14_reg4_dinov2");

        options.Should().BeEquivalentTo(new VisionTransformerOptions
        {
            ImageSize = 518, PatchSize = 14, InChannels = 3, NumClasses = 0, EmbedDim = 384, Depth = 12, NumHeads = 6, MlpRatio = 4,
            LayerScaleInit = 1e-5, RegisterTokens = 4, PositionEmbeddingCoversPrefix = false,
        });
    }

    [Fact]
    public void FromTimm_SigLip_GivesAttentionPoolingWithoutClassToken()
    {
        var options = VisionTransformerOptions.FromTimm("vit_so400m_patch16_siglip_256");

        options.Should().BeEquivalentTo(new VisionTransformerOptions
        {
            ImageSize = 256, PatchSize = 16, InChannels = 3, NumClasses = 0, EmbedDim = 1152, Depth = 27, NumHeads = 16, MlpRatio = 3.7362,
            Pooling = Pooling.AttentionPool, Activation = ActivationKind.GeluTanh,
        });
    }

    [Fact]
    public void FromTimm_AimV2_GivesRmsNormSwiGluAndPatchNorm()
    {
        var options = VisionTransformerOptions.FromTimm("aimv2_large_patch14_224");

        options.Should().BeEquivalentTo(new VisionTransformerOptions
        {
            ImageSize = 224, PatchSize = 14, InChannels = 3, NumClasses = 0, EmbedDim = 1024, Depth = 24, NumHeads = 8, MlpRatio = 2.75,
            QkvBias = false, ProjectionBias = false, Pooling = Pooling.Mean, FcNorm = false, Norm = NormKind.RmsNorm, LayerNormEpsilon = 1e-5,
            PatchEmbeddingNorm = true, Activation = ActivationKind.Silu, Mlp = MlpKind.SwiGlu,
        });
    }

    [Fact]
    public void FromTimm_ClipQuickGelu_GivesPreNormAndEps1e5()
    {
        var options = VisionTransformerOptions.FromTimm("vit_base_patch16_clip_quickgelu_224");

        options.Should().BeEquivalentTo(new VisionTransformerOptions
        {
            ImageSize = 224, PatchSize = 16, InChannels = 3, NumClasses = 512, EmbedDim = 768, Depth = 12, NumHeads = 12, MlpRatio = 4,
            PreNorm = true, LayerNormEpsilon = 1e-5, Activation = ActivationKind.QuickGelu,
        });
    }

    [Fact]
    public void FromTimm_DeitDistilled_GivesTheDistillationToken()
    {
        var options = VisionTransformerOptions.FromTimm("deit_tiny_distilled_patch16_224");

        options.DistillationToken.Should().BeTrue();
        options.NumPrefixTokens.Should().Be(2);
        (options.EmbedDim, options.NumHeads, options.NumClasses).Should().Be((192, 3, 1000));
    }

    [Fact]
    public void FromTimm_UnknownName_ThrowsNamingTheClosestNames()
    {
        var act = () => VisionTransformerOptions.FromTimm("vit_base_patch16_244");

        act.Should().Throw<ArgumentException>().WithMessage(
            "timm has no ViT architecture 'vit_base_patch16_244'; the closest are vit_base_patch16_224, vit_base_patch16_384, deit_base_patch16_224 (TimmArchitectures lists all 173). (Parameter 'architecture')");
    }

    [Theory]
    [InlineData("vit_small_patch16_18x2_224", "block_fn is ParallelThingsBlock; Vit builds timm's standard Block only (no parallel, res-post or differential-attention blocks).")]
    [InlineData("vit_dwee_patch16_reg1_gap_256", "attn_layer is 'diff'; Vit builds timm's standard Attention only (no differential attention).")]
    [InlineData("vit_base_patch16_rpn_224", "block_fn is ResPostBlock; Vit builds timm's standard Block only (no parallel, res-post or differential-attention blocks).")]
    public void FromTimm_OtherBlock_ThrowsNotSupportedNamingTheTimmArgument(string name, string problem)
    {
        var act = () => VisionTransformerOptions.FromTimm(name);

        act.Should().Throw<NotSupportedException>().WithMessage($"timm architecture '{name}': {problem}");
    }

    // Parameter counts of timm.create_model(name) as timm 1.0.29 reports them (sum of numel over parameters()).
    [Theory]
    [InlineData("test_vit", 371_240)]
    [InlineData("test_vit2", 455_720)]
    [InlineData("test_vit3", 930_280)]
    [InlineData("test_vit4", 1_020_520)]
    [InlineData("vit_tiny_patch16_224", 5_717_416)]
    [InlineData("deit_tiny_distilled_patch16_224", 5_910_800)]
    [InlineData("vit_small_patch14_reg4_dinov2", 22_057_344)]
    [InlineData("deit3_small_patch16_224", 22_059_496)]
    public void FromTimm_BuiltModel_HasTimmsParameterCount(string name, long expected)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();

        using var model = new VisionTransformer(VisionTransformerOptions.FromTimm(name));

        model.parameters().Sum(p => p.numel()).Should().Be(expected);
    }
}
