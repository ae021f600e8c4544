using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class MixupTests
{
    /// <summary>B constant 1x4x4 images, image i filled with i + 1, labels i % 2 (so partners 2k, 2k+1 differ).</summary>
    private static (Tensor Images, Tensor Labels) Constant(int batch, int size = 4)
    {
        Tensor values = arange(1, batch + 1, ScalarType.Float32).view(batch, 1, 1, 1);
        return (values.expand(batch, 1, size, size).contiguous(), arange(batch, ScalarType.Int64).remainder(2));
    }

    private static float[,] Rows(Tensor targets)
    {
        int rows = (int)targets.shape[0], cols = (int)targets.shape[1];
        float[] flat = Floats(targets);
        var result = new float[rows, cols];
        for (int i = 0; i < flat.Length; i++)
        {
            result[i / cols, i % cols] = flat[i];
        }

        return result;
    }

    private static (double Mean, double Variance) Moments(List<double> values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    [Fact]
    public void Apply_Batch_ShapesDtypeAndTargetRowsSumToOne()
    {
        using var images = RandomImages(1, 6, 3, 8, 10);
        using var labels = tensor(new long[] { 0, 4, 2, 2, 9, 1 });
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = 10, Mode = MixupMode.Element, Seed = 1 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            mixed.shape.Should().Equal(6, 3, 8, 10);
            mixed.dtype.Should().Be(ScalarType.Float32);
            targets.shape.Should().Equal(6, 10);
            targets.dtype.Should().Be(ScalarType.Float32);
            Floats(targets.sum(1)).Should().OnlyContain(s => Math.Abs(s - 1f) < 1e-5f);
        }
    }

    [Fact]
    public void Apply_AnyMode_InputUntouched()
    {
        foreach (var mode in new[] { MixupMode.Batch, MixupMode.Pair, MixupMode.Element })
        {
            using var images = RandomImages(2, 8, 1, 6, 6);
            using var labels = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3 });
            using var before = images.clone();
            using var labelsBefore = labels.clone();
            var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, CutmixAlpha = 1, NumClasses = 4, Mode = mode, Seed = 2 });
            var (mixed, targets) = mixup.Apply(images, labels);
            using (mixed)
            using (targets)
            {
                Same(images, before).Should().BeTrue($"{mode} leaves the images alone");
                Same(labels, labelsBefore).Should().BeTrue();
                Same(mixed, images).Should().BeFalse($"{mode} mixed something");
            }
        }
    }

    [Fact]
    public void Apply_SameSeed_SameOutputOtherSeedDiffers()
    {
        using var images = RandomImages(3, 8, 1, 6, 6);
        using var labels = arange(8, ScalarType.Int64).remainder(3);
        MixupOptions Options(int seed) => new() { MixupAlpha = 0.8, CutmixAlpha = 1, NumClasses = 3, Mode = MixupMode.Element, Seed = seed };
        var (a, ta) = new Mixup(Options(5)).Apply(images, labels);
        var (b, tb) = new Mixup(Options(5)).Apply(images, labels);
        var (c, tc) = new Mixup(Options(6)).Apply(images, labels);
        Same(a, b).Should().BeTrue();
        Same(ta, tb).Should().BeTrue();
        Same(a, c).Should().BeFalse();

        var mixup = new Mixup(Options(5));
        var (first, _) = mixup.Apply(images, labels);
        var (second, _) = mixup.Apply(images, labels);
        Same(first, a).Should().BeTrue("the first call of a transform seeded 5");
        Same(second, first).Should().BeFalse("each call draws new parameters");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.2)]
    public void Apply_MixupElement_LambdaIsBetaWithMeanHalfAndImagesBlendedByIt(double alpha)
    {
        // Image i is the constant i + 1 and its partner's label differs, so its target on its own label is λ and
        // every pixel is λ (i + 1) + (1 − λ) (partner + 1).
        const int Batch = 2000;
        var (images, labels) = Constant(Batch, size: 2);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = alpha, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, Seed = 7 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            var rows = Rows(targets);
            float[] pixels = Floats(mixed);
            var lambdas = new List<double>();
            for (int i = 0; i < Batch; i++)
            {
                double lambda = rows[i, i % 2];
                int partner = i ^ 1;
                pixels[i * 4].Should().BeApproximately((float)((lambda * (i + 1)) + ((1 - lambda) * (partner + 1))), 1e-3f);
                lambdas.Add(lambda);
            }

            var (mean, variance) = Moments(lambdas);
            double expectedVariance = 1 / (4 * ((2 * alpha) + 1)); // Beta(α, α): 1/12 at α = 1, 0.179 at α = 0.2
            mean.Should().BeApproximately(0.5, 4 * Math.Sqrt(expectedVariance / Batch));
            variance.Should().BeApproximately(expectedVariance, 0.1 * expectedVariance);
        }
    }

    [Fact]
    public void Apply_CutmixElement_TargetWeightEqualsPastedAreaAndBoxIsARectangle()
    {
        const int Batch = 400, Size = 10;
        var (images, labels) = Constant(Batch, Size);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0, CutmixAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, Seed = 8 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            var rows = Rows(targets);
            float[] pixels = Floats(mixed);
            int pasted = 0;
            double meanLambda = 0;
            for (int i = 0; i < Batch; i++)
            {
                float own = i + 1, other = (i ^ 1) + 1;
                var inBox = new List<(int Y, int X)>();
                for (int p = 0; p < Size * Size; p++)
                {
                    float v = pixels[(i * Size * Size) + p];
                    (v == own || v == other).Should().BeTrue("CutMix copies pixels, it does not blend them");
                    if (v == other)
                    {
                        inBox.Add((p / Size, p % Size));
                    }
                }

                double area = (double)inBox.Count / (Size * Size);
                rows[i, (i ^ 1) % 2].Should().BeApproximately((float)area, 1e-6f, $"sample {i}'s partner weight is the pasted area");
                rows[i, i % 2].Should().BeApproximately((float)(1 - area), 1e-6f);
                if (inBox.Count > 0)
                {
                    int height = inBox.Max(c => c.Y) - inBox.Min(c => c.Y) + 1, width = inBox.Max(c => c.X) - inBox.Min(c => c.X) + 1;
                    (height * width).Should().Be(inBox.Count, "the pasted region is one rectangle");
                    pasted++;
                }

                meanLambda += (1 - area) / Batch;
            }

            pasted.Should().BeGreaterThan(Batch * 3 / 4);
            // With boxes clipped at the borders the corrected λ is larger than Beta(1, 1)'s 0.5, but not by much.
            meanLambda.Should().BeInRange(0.5, 0.75);
        }
    }

    [Fact]
    public void Apply_CorrectLambdaOff_TargetsKeepTheBetaDraw()
    {
        const int Batch = 200, Size = 8;
        var (images, labels) = Constant(Batch, Size);
        using var _ = images;
        using var __ = labels;
        MixupOptions Options(bool correct) => new() { MixupAlpha = 0, CutmixAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, CorrectLambda = correct, Seed = 9 };
        var (mixedOn, targetsOn) = new Mixup(Options(true)).Apply(images, labels);
        var (mixedOff, targetsOff) = new Mixup(Options(false)).Apply(images, labels);
        Same(mixedOn, mixedOff).Should().BeTrue("the same boxes are pasted");
        var on = Rows(targetsOn);
        var off = Rows(targetsOff);
        int differ = Enumerable.Range(0, Batch).Count(i => Math.Abs(on[i, i % 2] - off[i, i % 2]) > 1e-6);
        differ.Should().BeGreaterThan(Batch / 2, "clipping and integer box sides change the area");
    }

    [Fact]
    public void Apply_PairMode_PartnersShareLambda()
    {
        const int Batch = 64;
        var (images, labels) = Constant(Batch);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Pair, Seed = 10 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            var rows = Rows(targets);
            var lambdas = Enumerable.Range(0, Batch).Select(i => (double)rows[i, i % 2]).ToList();
            for (int k = 0; k < Batch / 2; k++)
            {
                lambdas[2 * k].Should().BeApproximately(lambdas[(2 * k) + 1], 1e-6);
            }

            lambdas.Where((_, i) => i % 2 == 0).Distinct().Should().HaveCount(Batch / 2, "each pair draws its own λ");
        }
    }

    [Fact]
    public void Apply_PairModeCutmix_PartnersSwapTheSameBox()
    {
        const int Batch = 40, Size = 10;
        var (images, labels) = Constant(Batch, Size);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0, CutmixAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Pair, Seed = 10 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            float[] pixels = Floats(mixed);
            int distinctBoxes = 0;
            var boxes = new HashSet<string>();
            for (int k = 0; k < Batch / 2; k++)
            {
                int a = 2 * k, b = a + 1;
                string BoxOf(int i, float other) => string.Concat(pixels.Skip(i * Size * Size).Take(Size * Size).Select(v => v == other ? '1' : '0'));
                string boxA = BoxOf(a, b + 1), boxB = BoxOf(b, a + 1);
                boxA.Should().Be(boxB, $"pair {k} swaps one box");
                distinctBoxes += boxes.Add(boxA) ? 1 : 0;
            }

            distinctBoxes.Should().BeGreaterThan(Batch / 4, "each pair draws its own box");
        }
    }

    [Fact]
    public void Apply_BatchMode_OneLambdaForAll()
    {
        const int Batch = 16;
        var (images, labels) = Constant(Batch);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Seed = 11 });
        var lambdas = new List<double>();
        for (int call = 0; call < 5; call++)
        {
            var (mixed, targets) = mixup.Apply(images, labels);
            using (mixed)
            using (targets)
            {
                var rows = Rows(targets);
                Enumerable.Range(0, Batch).Select(i => rows[i, i % 2]).Distinct().Should().ContainSingle();
                lambdas.Add(rows[0, 0]);
            }
        }

        lambdas.Distinct().Should().HaveCount(5, "every batch draws a new λ");
    }

    [Fact]
    public void Apply_ProbabilityAndSwitch_FractionsMatch()
    {
        // Element mode: each sample is mixed with chance 0.6 and, when mixed, cut with chance 0.3. On 16x16 images a
        // CutMix box is empty when int(16 √(1 − λ)) ≤ 1, i.e. λ > 63/64: such samples look untouched.
        const int Batch = 3000, Size = 16;
        var (images, labels) = Constant(Batch, Size);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions
        {
            MixupAlpha = 1, CutmixAlpha = 1, Probability = 0.6, SwitchProbability = 0.3, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, Seed = 12,
        });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            float[] pixels = Floats(mixed);
            int untouched = 0, cut = 0, blended = 0;
            for (int i = 0; i < Batch; i++)
            {
                var values = pixels.Skip(i * Size * Size).Take(Size * Size).ToArray();
                float own = i + 1, other = (i ^ 1) + 1;
                if (values.All(v => v == own))
                {
                    untouched++;
                }
                else if (values.All(v => v == own || v == other))
                {
                    cut++;
                }
                else
                {
                    values.Distinct().Should().ContainSingle("a blend is uniform on a constant image");
                    blended++;
                }
            }

            double visibleCut = 0.3 * 63 / 64;
            double mixedFraction = 1 - ((double)untouched / Batch);
            mixedFraction.Should().BeApproximately(0.6 * (0.7 + visibleCut), 4 * Math.Sqrt(0.24 / Batch));
            ((double)cut / (cut + blended)).Should().BeApproximately(visibleCut / (0.7 + visibleCut), 4 * Math.Sqrt(0.21 / (cut + blended)));
        }
    }

    [Fact]
    public void Apply_ProbabilityZero_ImagesKeptTargetsSmoothedOneHot()
    {
        using var images = RandomImages(13, 4, 1, 5, 5);
        using var labels = tensor(new long[] { 3, 0, 4, 3 });
        var mixup = new Mixup(new MixupOptions { Probability = 0, LabelSmoothing = 0.1, NumClasses = 5, Seed = 13 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            Same(mixed, images).Should().BeTrue();
            mixed.Handle.Should().NotBe(images.Handle);
            var rows = Rows(targets);
            for (int i = 0; i < 4; i++)
            {
                for (int k = 0; k < 5; k++)
                {
                    rows[i, k].Should().BeApproximately(k == Longs(labels)[i] ? 0.92f : 0.02f, 1e-7f, "on = 1 − 0.1 + 0.1/5, off = 0.1/5");
                }
            }
        }
    }

    [Fact]
    public void Apply_SmoothingAndLambda_TargetsCombineBoth()
    {
        // Batch mode, Mixup only: targets = λ smooth(y) + (1 − λ) smooth(y_partner); with labels 0 and 1 of 4 classes
        // the two label columns hold λ·0.925 + (1 − λ)·0.025 and the reverse, the others 0.025.
        var (images, labels) = Constant(2);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, LabelSmoothing = 0.1, NumClasses = 4, Seed = 14 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            var rows = Rows(targets);
            double lambda = (Floats(mixed)[0] - 2.0) / (1.0 - 2.0); // pixel = λ·1 + (1 − λ)·2
            rows[0, 0].Should().BeApproximately((float)((lambda * 0.925) + ((1 - lambda) * 0.025)), 1e-5f);
            rows[0, 1].Should().BeApproximately((float)((lambda * 0.025) + ((1 - lambda) * 0.925)), 1e-5f);
            rows[0, 2].Should().BeApproximately(0.025f, 1e-6f);
            rows[1, 1].Should().BeApproximately(rows[0, 0], 1e-6f, "partners share the batch λ");
        }
    }

    [Fact]
    public void Apply_OddBatch_LastSampleIsItsOwnPartner()
    {
        var (images, labels) = Constant(5);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, CutmixAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, Seed = 15 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            Floats(mixed[4]).Should().OnlyContain(v => v == 5f);
            Floats(targets[4]).Should().Equal(1f, 0f);
        }
    }

    [Theory]
    [InlineData(MixupMode.Batch)]
    [InlineData(MixupMode.Pair)]
    [InlineData(MixupMode.Element)]
    public void Apply_BatchSplitInHalves_SameAsWhole(MixupMode mode)
    {
        using var images = RandomImages(16, 12, 1, 6, 6);
        using var labels = arange(12, ScalarType.Int64).remainder(3);
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1, NumClasses = 3, Mode = mode, Seed = 16 });
        var streams = SampleStreams.ForSamples(3, 2, 1, [40, 2, 17, 8, 33, 5, 1, 29, 11, 6, 21, 0]);
        var (whole, wholeTargets) = mixup.Apply(images, labels, streams);
        var (first, firstTargets) = mixup.Apply(images.narrow(0, 0, 6), labels.narrow(0, 0, 6), streams.Slice(0, 6));
        var (second, secondTargets) = mixup.Apply(images.narrow(0, 6, 6), labels.narrow(0, 6, 6), streams.Slice(6, 6));
        Same(whole, cat([first, second], 0)).Should().BeTrue($"{mode}: pairs stay inside even halves and draws are keyed by sample or batch");
        Same(wholeTargets, cat([firstTargets, secondTargets], 0)).Should().BeTrue();
        Same(whole, images).Should().BeFalse();
    }

    [Fact]
    public void Apply_ElementMode_SamplesDrawIndependently()
    {
        // λ of neighbours (partners) and of sample i and i + 2 are uncorrelated.
        const int Batch = 4000;
        var (images, labels) = Constant(Batch, size: 1);
        using var _ = images;
        using var __ = labels;
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, NumClasses = 2, LabelSmoothing = 0, Mode = MixupMode.Element, Seed = 17 });
        var (mixed, targets) = mixup.Apply(images, labels);
        using (mixed)
        using (targets)
        {
            var rows = Rows(targets);
            double[] lambdas = [.. Enumerable.Range(0, Batch).Select(i => (double)rows[i, i % 2])];
            double Correlation(int lag)
            {
                var x = lambdas.Take(Batch - lag).ToArray();
                var y = lambdas.Skip(lag).ToArray();
                double mx = x.Average(), my = y.Average();
                double cov = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
                return cov / Math.Sqrt(x.Sum(a => (a - mx) * (a - mx)) * y.Sum(b => (b - my) * (b - my)));
            }

            Correlation(1).Should().BeInRange(-0.07, 0.07); // SE = 1/sqrt(4000) = 0.016
            Correlation(2).Should().BeInRange(-0.07, 0.07);
        }
    }

    [Fact]
    public void Apply_BadImages_Throw()
    {
        var mixup = new Mixup(new MixupOptions { NumClasses = 3, Seed = 1 });
        using var bytes = zeros([2, 1, 4, 4], ScalarType.Byte);
        using var flat = zeros(2, 16);
        using var labels = tensor(new long[] { 0, 1 });
        var integer = () => mixup.Apply(bytes, labels);
        integer.Should().Throw<ArgumentException>().WithMessage("Mixup takes floating-point images [B, C, H, W]; got Byte [2, 1, 4, 4].*");
        var twoDimensional = () => mixup.Apply(flat, labels);
        twoDimensional.Should().Throw<ArgumentException>().WithMessage("Mixup takes floating-point images [B, C, H, W]; got Float32 [2, 16].*");
    }

    [Fact]
    public void Apply_BadLabels_Throw()
    {
        var mixup = new Mixup(new MixupOptions { NumClasses = 3, Seed = 1 });
        using var images = zeros(3, 1, 4, 4);
        using var outside = tensor(new long[] { 0, 3, 1 });
        using var negative = tensor(new long[] { 0, 1, -1 });
        using var wrongCount = tensor(new long[] { 0, 1 });
        using var soft = zeros(3, 3);
        var tooLarge = () => mixup.Apply(images, outside);
        tooLarge.Should().Throw<ArgumentException>().WithMessage("Mixup labels must be in [0, NumClasses) = [0, 3); got 3 for sample 1.*");
        var belowZero = () => mixup.Apply(images, negative);
        belowZero.Should().Throw<ArgumentException>().WithMessage("Mixup labels must be in [0, NumClasses) = [0, 3); got -1 for sample 2.*");
        var count = () => mixup.Apply(images, wrongCount);
        count.Should().Throw<ArgumentException>().WithMessage("Mixup takes labels [3] of class indices (an integer type) to match the images; got Int64 [2].*");
        var floating = () => mixup.Apply(images, soft);
        floating.Should().Throw<ArgumentException>().WithMessage("Mixup takes labels [3] of class indices (an integer type) to match the images; got Float32 [3, 3].*");
        var streams = () => mixup.Apply(images, tensor(new long[] { 0, 1, 2 }), SampleStreams.FromSeed(1, 2));
        streams.Should().Throw<ArgumentException>().WithMessage("Mixup got 2 sample streams for 3 images; pass one stream per image.*");
    }

    [Fact]
    public void Constructor_BadOptions_ThrowNamingValueAndRange()
    {
        Mixup Create(MixupOptions options) => new(options);
        var act = () => Create(new MixupOptions { MixupAlpha = -0.5, CutmixAlpha = -1, Probability = 1.5, SwitchProbability = -0.1, LabelSmoothing = 2, NumClasses = 0, Mode = (MixupMode)7 });
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "MixupOptions.MixupAlpha is -0.5 but must be a finite number of at least 0",
            "MixupOptions.CutmixAlpha is -1 but must be a finite number of at least 0",
            "MixupOptions.Probability is 1.5 but must be in [0, 1]",
            "MixupOptions.SwitchProbability is -0.1 but must be in [0, 1]",
            "MixupOptions.LabelSmoothing is 2 but must be in [0, 1]",
            "MixupOptions.NumClasses is 0 but must be at least 1",
            "MixupOptions.Mode is 7 but must be one of Batch, Pair, Element");
        var bothOff = () => Create(new MixupOptions { MixupAlpha = 0, CutmixAlpha = 0 });
        bothOff.Should().Throw<OptionsValidationException>().Which.Message.Should().Be(
            "MixupOptions.MixupAlpha is 0 and CutmixAlpha is 0, but at least one must be greater than 0");
        var nan = () => Create(new MixupOptions { MixupAlpha = double.NaN });
        nan.Should().Throw<OptionsValidationException>().Which.Failures.Should().Contain("MixupOptions.MixupAlpha is NaN but must be a finite number of at least 0");
    }
}
