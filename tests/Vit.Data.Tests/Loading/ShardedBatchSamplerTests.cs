using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Vit.Data.Tests.Loading;

[Collection(TorchTestGroup.Name)]
public sealed class ShardedBatchSamplerTests
{
    private static readonly int[] Batch = [10, 11, 12, 13, 14, 15, 16, 17];

    [Fact]
    public void Share_Contiguous_GivesEachRankItsSliceWithTheExtraSamplesOnLowerRanks()
    {
        ShardedBatchSampler.Share(Batch, 0, 3).Should().Equal(10, 11, 12);
        ShardedBatchSampler.Share(Batch, 1, 3).Should().Equal(13, 14, 15);
        ShardedBatchSampler.Share(Batch, 2, 3).Should().Equal(16, 17);
    }

    [Fact]
    public void Share_Strided_GivesEveryNthPositionFromTheRank()
    {
        ShardedBatchSampler.Share(Batch, 0, 3, ShardLayout.Strided).Should().Equal(10, 13, 16);
        ShardedBatchSampler.Share(Batch, 1, 3, ShardLayout.Strided).Should().Equal(11, 14, 17);
        ShardedBatchSampler.Share(Batch, 2, 3, ShardLayout.Strided).Should().Equal(12, 15);
    }

    [Fact]
    public void Share_FewerSamplesThanRanks_LeavesTheHigherRanksEmpty()
    {
        ShardedBatchSampler.Share([7, 8], 1, 4).Should().Equal(8);
        ShardedBatchSampler.Share([7, 8], 3, 4).Should().BeEmpty();
    }

    [Theory]
    [InlineData(ShardLayout.Contiguous)]
    [InlineData(ShardLayout.Strided)]
    public void GetBatch_EveryGlobalBatch_RanksTogetherHoldExactlyTheLoadersBatch(ShardLayout layout)
    {
        using var dataset = new IndexedDataset(30);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 6, Seed = 5 });
        var samplers = Enumerable.Range(0, 3).Select(r => new ShardedBatchSampler(loader, r, 3, layout)).ToArray();

        samplers[0].LocalBatchSize.Should().Be(2);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            int[] order = loader.GetEpochOrder(epoch);
            for (int batch = 0; batch < loader.BatchesPerEpoch; batch++)
            {
                var shares = samplers.Select(s => s.GetBatch(epoch, batch)).ToArray();
                shares.Should().OnlyContain(s => s.Length == 2);
                shares.SelectMany(s => s).Should().BeEquivalentTo(order.Skip(batch * 6).Take(6));
            }
        }

        samplers.SelectMany(s => s.GetLocalEpochOrder(1)).Should().BeEquivalentTo(Enumerable.Range(0, 30), "every sample once per epoch");
    }

    [Fact]
    public void GetBatch_Contiguous_ConcatenatedSharesAreTheBatchTheLoaderYields()
    {
        using var dataset = new IndexedDataset(20);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Seed = 3 });
        var samplers = new[] { new ShardedBatchSampler(loader, 0, 2), new ShardedBatchSampler(loader, 1, 2) };

        foreach (var batch in loader.Epoch(2))
        {
            IndexedDataset.Decode(batch).Should().Equal(samplers[0].GetBatch(2, batch.Index).Concat(samplers[1].GetBatch(2, batch.Index)));
        }
    }

    [Theory]
    [InlineData(MixupMode.Batch)]
    [InlineData(MixupMode.Pair)]
    public void Epoch_RandomTransformsAndMixup_RanksSharesAreExactlyTheSlicesOfTheGlobalBatch(MixupMode mode)
    {
        using var dataset = RandomImages(count: 48, classes: 4);
        var transforms = new torchvision.ITransform[]
        {
            new RandomCrop(8, 8, padding: 2),
            new RandomHorizontalFlip(),
            new HideAndSeek(new HideAndSeekOptions { GridSizes = [2, 4], HideProbability = 0.4 }),
            new RandomErasing(new RandomErasingOptions { Probability = 0.5, Mode = RandomErasingMode.Pixel }),
        };
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1.0, NumClasses = 4, Mode = mode, LabelSmoothing = 0.1 });
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 12, Seed = 7, DropLast = true }, transforms, mixup);
        var ranks = Enumerable.Range(0, 3).Select(r => new ShardedBatchSampler(loader, r, 3)).ToArray();

        var global = Collect(loader.Epoch(1, startBatch: 1));
        var shares = ranks.Select(rank => Collect(rank.Epoch(1, startBatch: 1))).ToArray();

        global.Should().HaveCount(3);
        for (int b = 0; b < global.Count; b++)
        {
            var (images, labels, targets, index) = global[b];
            index.Should().Be(b + 1);
            shares.Select(s => s[b].Index).Should().AllBeEquivalentTo(b + 1, "a share is keyed by its global batch");
            TensorHelpers.Same(cat(shares.Select(s => s[b].Images).ToList()), images).Should().BeTrue($"batch {b + 1}'s images");
            TensorHelpers.Same(cat(shares.Select(s => s[b].Labels).ToList()), labels).Should().BeTrue($"batch {b + 1}'s labels");
            TensorHelpers.Same(cat(shares.Select(s => s[b].Targets).ToList()), targets).Should().BeTrue($"batch {b + 1}'s soft targets");
        }

        TensorHelpers.Same(global[0].Targets.argmax(1), global[0].Labels).Should().BeFalse("Mixup mixed something (the test could fail)");
        foreach (var item in global.Concat(shares.SelectMany(s => s)))
        {
            item.Images.Dispose();
            item.Labels.Dispose();
            item.Targets.Dispose();
        }
    }

    [Fact]
    public void Epoch_UnevenLastBatch_PassesOverEmptySharesAndCoversEverySampleOnce()
    {
        using var dataset = new IndexedDataset(13);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 6, Shuffle = false });
        var ranks = Enumerable.Range(0, 3).Select(r => new ShardedBatchSampler(loader, r, 3, allowUnevenLastBatch: true)).ToArray();

        var seen = ranks.Select(rank => rank.Epoch(0).Select(b => (b.Index, Samples: IndexedDataset.Decode(b))).ToList()).ToArray();

        seen[0].Select(s => s.Index).Should().Equal(0, 1, 2);
        seen[1].Select(s => s.Index).Should().Equal(0, 1);
        seen[2].Select(s => s.Index).Should().Equal(0, 1);
        seen[1][1].Samples.Should().Equal(8, 9);
        seen[0][2].Samples.Should().Equal(12);
        seen.SelectMany(r => r.SelectMany(s => s.Samples)).Should().BeEquivalentTo(Enumerable.Range(0, 13));
    }

    [Fact]
    public void GetLocalEpochOrder_ReadInLocalBatches_GivesThisRanksShareOfEachBatch()
    {
        using var dataset = new IndexedDataset(24);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 9 });
        var sampler = new ShardedBatchSampler(loader, 1, 4, ShardLayout.Strided);

        int[] local = sampler.GetLocalEpochOrder(0);

        local.Should().HaveCount(6);
        local.Chunk(sampler.LocalBatchSize).Should().BeEquivalentTo(
            Enumerable.Range(0, 3).Select(b => sampler.GetBatch(0, b)), o => o.WithStrictOrdering());
    }

    [Fact]
    public void Constructor_BatchNotDivisibleByWorldSize_SaysWhatWouldWork()
    {
        using var dataset = new IndexedDataset(260);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 130 });

        var act = () => new ShardedBatchSampler(loader, 0, 4);

        act.Should().Throw<ArgumentException>().WithMessage(
            "The global batch size 130 is not divisible by the world size 4: every rank must take an equal share of each batch. " +
            "Use a multiple of 4, for example 128 or 132.*");
    }

    [Fact]
    public void Constructor_LastBatchNotDivisible_NamesItUnlessDroppedOrAllowed()
    {
        using var dataset = new IndexedDataset(26);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8 });
        using var dropping = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, DropLast = true });

        var act = () => new ShardedBatchSampler(loader, 0, 4);

        act.Should().Throw<ArgumentException>().WithMessage(
            "The last batch of each epoch holds 2 samples (26 samples in batches of 8), which the world size 4 does not divide: " +
            "set BatchLoaderOptions.DropLast, or choose a batch size that leaves a multiple of 4.*");
        new ShardedBatchSampler(dropping, 3, 4).BatchesPerEpoch.Should().Be(3);
        var uneven = Enumerable.Range(0, 4).Select(r => new ShardedBatchSampler(loader, r, 4, allowUnevenLastBatch: true)).ToArray();
        uneven.Select(s => s.GetBatch(0, 3).Length).Should().Equal(1, 1, 0, 0);
        uneven.SelectMany(s => s.GetBatch(0, 3)).Should().Equal(loader.GetEpochOrder(0)[24..]);
    }

    [Fact]
    public void ForEvaluation_AnyBatchSize_SplitsEveryBatchIntoNearEqualSharesCoveringEachSampleOnce()
    {
        using var dataset = new IndexedDataset(21);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 9, Shuffle = false });
        var ranks = Enumerable.Range(0, 2).Select(r => ShardedBatchSampler.ForEvaluation(loader, r, 2)).ToArray();

        var seen = ranks.Select(rank => rank.Epoch(0).Select(IndexedDataset.Decode).ToList()).ToArray();

        seen[0].Should().BeEquivalentTo(new[] { new[] { 0, 1, 2, 3, 4 }, [9, 10, 11, 12, 13], [18, 19] }, o => o.WithStrictOrdering());
        seen[1].Should().BeEquivalentTo(new[] { new[] { 5, 6, 7, 8 }, [14, 15, 16, 17], [20] }, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Constructor_BatchStepWithAnOddShare_SaysPairsWouldBeSplit()
    {
        using var dataset = RandomImages(24, 4);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 6, DropLast = true }, null, new Mixup(new MixupOptions { NumClasses = 4 }));
        using var even = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, DropLast = true }, null, new Mixup(new MixupOptions { NumClasses = 4 }));

        var act = () => new ShardedBatchSampler(loader, 0, 2);

        act.Should().Throw<ArgumentException>().WithMessage(
            "The loader's batch step (such as Mixup) pairs samples 2k and 2k + 1, but a batch of 6 gives each of the 2 ranks 3 samples, an odd share, " +
            "so a pair would be split between two ranks and mixed differently from one process: use a global batch size that is a multiple of 4.*");
        new ShardedBatchSampler(even, 1, 2).LocalBatchSize.Should().Be(4);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(-1, 2)]
    public void Constructor_RankOutsideTheWorld_Throws(int rank, int worldSize)
    {
        using var dataset = new IndexedDataset(8);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4 });

        var act = () => new ShardedBatchSampler(loader, rank, worldSize);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"The rank must be in [0, {worldSize}); got {rank}.*");
    }

    private static List<(Tensor Images, Tensor Labels, Tensor Targets, int Index)> Collect(IEnumerable<Batch> batches) =>
        [.. batches.Select(b => (b.Images.clone(), b.Labels.clone(), b.Targets.clone(), b.Index))];

    private static InMemoryImageDataset RandomImages(int count, int classes)
    {
        var random = new Random(11);
        byte[] pixels = new byte[count * 3 * 8 * 8];
        random.NextBytes(pixels);
        return new InMemoryImageDataset(pixels, [.. Enumerable.Range(0, count).Select(i => i % classes)], 3, 8, 8, [.. Enumerable.Range(0, classes).Select(c => $"c{c}")]);
    }
}
