using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Vit.Samples.Inference;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class AttentionRolloutTests
{
    [Theory]
    [InlineData(Pooling.Mean)]
    [InlineData(Pooling.ClassToken)]
    public void Compute_TwoBlocks_MatchesRolloutComputedByHand(Pooling pooling)
    {
        torch.manual_seed(3);
        var options = new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 7, InChannels = 1, NumClasses = 10, EmbedDim = 16, Depth = 2, NumHeads = 2, Pooling = pooling,
        };
        using var model = new VisionTransformer(options);
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn(2, 1, 28, 28);

        float[,] actual = ToArray(AttentionRollout.Compute(model, images));
        double[][] maps;
        using (no_grad())
        {
            maps = [.. model.ForwardAttentionMaps(images).Select(m => m.to(ScalarType.Float64).data<double>().ToArray())];
        }

        int prefix = pooling == Pooling.ClassToken ? 1 : 0, tokens = 16 + prefix;
        for (int b = 0; b < 2; b++)
        {
            double[] expected = ByHand(maps, b, heads: 2, tokens, prefix);
            // The same attention maps in float64 on both sides; the result is rounded to float32.
            for (int p = 0; p < 16; p++)
            {
                actual[b, p].Should().BeApproximately((float)expected[p], 1e-6f, $"image {b}, patch {p}");
            }
        }
    }

    [Fact]
    public void Compute_AnyImage_ScalesEachImageToZeroOne()
    {
        torch.manual_seed(4);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 28, PatchSize = 4, InChannels = 1, NumClasses = 10, EmbedDim = 16, Depth = 3, NumHeads = 4, Pooling = Pooling.Mean,
        });
        model.eval();
        using var scope = NewDisposeScope();
        var rollout = AttentionRollout.Compute(model, randn(3, 1, 28, 28));
        rollout.shape.Should().Equal(3, 7, 7);
        rollout.amin([1, 2]).data<float>().ToArray().Should().AllSatisfy(v => v.Should().Be(0));
        rollout.amax([1, 2]).data<float>().ToArray().Should().AllSatisfy(v => v.Should().BeApproximately(1, 1e-6f));
    }

    /// <summary>Abnar and Zuidema's rollout with plain loops: mean over heads, + I, row-normalise, multiply, read, min-max.</summary>
    private static double[] ByHand(double[][] maps, int b, int heads, int tokens, int prefix)
    {
        double[,] rollout = Identity(tokens);
        foreach (double[] map in maps)
        {
            var layer = new double[tokens, tokens];
            for (int i = 0; i < tokens; i++)
            {
                double rowSum = 0;
                for (int j = 0; j < tokens; j++)
                {
                    double mean = 0;
                    for (int h = 0; h < heads; h++)
                    {
                        mean += map[(((b * heads) + h) * tokens * tokens) + (i * tokens) + j] / heads;
                    }

                    layer[i, j] = mean + (i == j ? 1 : 0);
                    rowSum += layer[i, j];
                }

                for (int j = 0; j < tokens; j++)
                {
                    layer[i, j] /= rowSum;
                }
            }

            rollout = Multiply(layer, rollout);
        }

        var read = new double[tokens - prefix];
        for (int j = prefix; j < tokens; j++)
        {
            if (prefix == 1)
            {
                read[j - 1] = rollout[0, j];
            }
            else
            {
                for (int i = 0; i < tokens; i++)
                {
                    read[j] += rollout[i, j] / tokens;
                }
            }
        }

        double low = read.Min(), high = read.Max();
        return [.. read.Select(v => (v - low) / (high - low))];
    }

    private static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    private static double[,] Multiply(double[,] a, double[,] c)
    {
        int n = a.GetLength(0);
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < n; k++)
                {
                    m[i, j] += a[i, k] * c[k, j];
                }
            }
        }

        return m;
    }

    private static float[,] ToArray(Tensor rollout)
    {
        float[] flat = rollout.data<float>().ToArray();
        int n = (int)rollout.shape[0], patches = (int)(rollout.shape[1] * rollout.shape[2]);
        var result = new float[n, patches];
        for (int b = 0; b < n; b++)
        {
            for (int p = 0; p < patches; p++)
            {
                result[b, p] = flat[(b * patches) + p];
            }
        }

        return result;
    }
}
