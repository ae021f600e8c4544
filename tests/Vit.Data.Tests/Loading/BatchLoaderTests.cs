using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Options;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static Vit.Data.Tests.TensorHelpers;

namespace Vit.Data.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class BatchLoaderTests(ITestOutputHelper output)
{
    private static InMemoryImageDataset RandomBytes(int count, int channels, int size, int seed)
    {
        byte[] pixels = new byte[count * channels * size * size];
        new Random(seed).NextBytes(pixels);
        return new InMemoryImageDataset(pixels, [.. Enumerable.Range(0, count).Select(i => i % 10)], channels, size, size, [.. Enumerable.Range(0, 10).Select(c => $"c{c}")]);
    }

    private static torchvision.ITransform[] Augmentations(int size) =>
        [new RandomCrop(size, size, padding: 2), new RandomHorizontalFlip(), new HideAndSeek()];

    [Fact]
    public void Epoch_Shuffled_YieldsEachSampleExactlyOnceWithItsLabel()
    {
        using var dataset = new IndexedDataset(103);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 1 });
        loader.BatchesPerEpoch.Should().Be(11);
        var seen = new List<int>();
        var sizes = new List<int>();
        int expectedIndex = 0;
        foreach (var batch in loader.Epoch(0))
        {
            batch.Index.Should().Be(expectedIndex++);
            batch.Images.dtype.Should().Be(ScalarType.Float32);
            batch.Labels.dtype.Should().Be(ScalarType.Int64);
            int[] samples = IndexedDataset.Decode(batch);
            Longs(batch.Labels).Should().Equal(samples.Select(i => (long)(i % 5)));
            seen.AddRange(samples);
            sizes.Add(batch.Count);
        }

        seen.Order().Should().Equal(Enumerable.Range(0, 103));
        seen.Should().NotBeInAscendingOrder();
        sizes.Should().Equal(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3);
    }

    [Fact]
    public void Epoch_DropLast_OnlyFullBatches()
    {
        using var dataset = new IndexedDataset(103);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 1, DropLast = true });
        var seen = loader.Epoch(2).SelectMany(IndexedDataset.Decode).ToList();
        loader.BatchesPerEpoch.Should().Be(10);
        seen.Should().HaveCount(100).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void Epoch_NoShuffle_DatasetOrder()
    {
        using var dataset = new IndexedDataset(25);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Shuffle = false });
        loader.Epoch(4).SelectMany(IndexedDataset.Decode).Should().Equal(Enumerable.Range(0, 25));
    }

    [Fact]
    public void Epoch_OrderDependsOnlyOnSeedAndEpoch()
    {
        using var dataset = new IndexedDataset(64);
        using var a = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 16, Seed = 7 });
        using var b = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 16, Seed = 7 });
        var epoch3 = a.Epoch(3).SelectMany(IndexedDataset.Decode).ToList();
        a.Epoch(1).SelectMany(IndexedDataset.Decode).Should().NotEqual(epoch3);
        b.Epoch(3).SelectMany(IndexedDataset.Decode).Should().Equal(epoch3, "a fresh loader resumed at epoch 3 sees the same order");
        a.GetEpochOrder(3).Should().Equal(epoch3);
    }

    [Fact]
    public void Epoch_RandomTransforms_ReproducibleOnResumeAndAcrossWorkerCounts()
    {
        using var dataset = RandomBytes(40, 1, 12, seed: 1);
        using var one = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 11, WorkerCount = 1 }, Augmentations(12));
        using var two = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 11, WorkerCount = 2, PrefetchCount = 3 }, Augmentations(12));
        var fromOne = one.Epoch(5).Select(b => Floats(b.Images)).ToList();
        var fromTwo = two.Epoch(5).Select(b => Floats(b.Images)).ToList();
        var otherEpoch = one.Epoch(6).Select(b => Floats(b.Images)).ToList();
        fromOne.Should().HaveCount(5);
        for (int k = 0; k < 5; k++)
        {
            fromTwo[k].Should().Equal(fromOne[k], $"batch {k} is built from (seed, epoch, batch) whichever thread builds it");
        }

        otherEpoch[0].Should().NotEqual(fromOne[0]);
    }

    [Fact]
    public void Epoch_HalfTheBatchSize_EachSampleAugmentedAlike()
    {
        // Augmentation is keyed by (seed, epoch, dataset index): batch k of size 8 is batches 2k and 2k + 1 of size 4,
        // which is what sharding a global batch of 8 over two processes of 4 needs.
        using var dataset = RandomBytes(40, 1, 12, seed: 2);
        using var eights = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 13 }, Augmentations(12));
        using var fours = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Seed = 13 }, Augmentations(12));
        using var plain = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 13 });
        var big = eights.Epoch(3).Select(b => (Images: Floats(b.Images), Labels: Longs(b.Labels))).ToList();
        var small = fours.Epoch(3).Select(b => (Images: Floats(b.Images), Labels: Longs(b.Labels))).ToList();
        var unaugmented = plain.Epoch(3).Select(b => Floats(b.Images)).ToList();
        for (int k = 0; k < big.Count; k++)
        {
            big[k].Images.Should().Equal([.. small[2 * k].Images, .. small[(2 * k) + 1].Images], $"batch {k} of 8 is batches {2 * k} and {(2 * k) + 1} of 4");
            big[k].Labels.Should().Equal([.. small[2 * k].Labels, .. small[(2 * k) + 1].Labels]);
            big[k].Images.Should().NotEqual(unaugmented[k]);
        }
    }

    [Fact]
    public void Epoch_MixupBatchStep_SetsSoftTargetsAndKeepsLabels()
    {
        using var dataset = RandomBytes(24, 1, 8, seed: 4);
        var mixup = new Mixup(new MixupOptions { MixupAlpha = 1, CutmixAlpha = 1, NumClasses = 10, Mode = MixupMode.Element });
        using var mixing = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 3 }, [new RandomHorizontalFlip()], mixup);
        using var plain = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 3 }, [new RandomHorizontalFlip()]);
        var mixed = mixing.Epoch(1).Select(b => (Images: Floats(b.Images), Labels: Longs(b.Labels), Targets: b.Targets.shape, Own: b.HasOwnTargets, Sums: Floats(b.Targets.sum(1)))).ToList();
        var unmixed = plain.Epoch(1).Select(b => (Images: Floats(b.Images), Labels: Longs(b.Labels), Own: b.HasOwnTargets)).ToList();
        mixed.Should().HaveCount(3);
        for (int k = 0; k < 3; k++)
        {
            mixed[k].Targets.Should().Equal(8, 10);
            mixed[k].Own.Should().BeTrue();
            mixed[k].Sums.Should().OnlyContain(v => Math.Abs(v - 1f) < 1e-5f);
            mixed[k].Labels.Should().Equal(unmixed[k].Labels, "the labels stay the class indices");
            mixed[k].Images.Should().NotEqual(unmixed[k].Images);
            unmixed[k].Own.Should().BeFalse();
        }
    }

    [Theory]
    [InlineData(MixupMode.Pair)]
    [InlineData(MixupMode.Element)]
    public void Epoch_MixupHalfTheBatchSize_SameImagesAndTargets(MixupMode mode)
    {
        // Pairs are neighbours and draws are keyed by dataset index: a global batch of 8 mixes as its halves of 4 do.
        using var dataset = RandomBytes(32, 1, 8, seed: 5);
        Mixup Create() => new(new MixupOptions { MixupAlpha = 0.8, CutmixAlpha = 1, NumClasses = 10, Mode = mode });
        using var eights = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 17 }, Augmentations(8), Create());
        using var fours = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Seed = 17 }, Augmentations(8), Create());
        var big = eights.Epoch(2).Select(b => (Images: Floats(b.Images), Targets: Floats(b.Targets))).ToList();
        var small = fours.Epoch(2).Select(b => (Images: Floats(b.Images), Targets: Floats(b.Targets))).ToList();
        for (int k = 0; k < big.Count; k++)
        {
            big[k].Images.Should().Equal([.. small[2 * k].Images, .. small[(2 * k) + 1].Images]);
            big[k].Targets.Should().Equal([.. small[2 * k].Targets, .. small[(2 * k) + 1].Targets]);
        }
    }

    [Fact]
    public void Epoch_StartBatch_SameBatchesAsWholeEpochAndEarlierOnesNeverBuilt()
    {
        using var dataset = RandomBytes(40, 1, 12, seed: 3);
        using var whole = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5 }, Augmentations(12));
        var all = whole.Epoch(2).Select(b => (b.Index, Images: Floats(b.Images), Labels: Longs(b.Labels))).ToList();
        using var counted = new IndexedDataset(40);
        using var resumedCounted = new BatchLoader(counted, new BatchLoaderOptions { BatchSize = 8, Seed = 5 });
        using var resumed = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5 }, Augmentations(12));

        var tail = resumed.Epoch(2, startBatch: 3).Select(b => (b.Index, Images: Floats(b.Images), Labels: Longs(b.Labels))).ToList();
        resumedCounted.Epoch(2, startBatch: 3).Count().Should().Be(2);

        tail.Select(b => b.Index).Should().Equal(3, 4);
        for (int k = 0; k < tail.Count; k++)
        {
            tail[k].Images.Should().Equal(all[3 + k].Images, $"batch {3 + k} depends only on (seed, epoch, batch)");
            tail[k].Labels.Should().Equal(all[3 + k].Labels);
        }

        counted.Calls.Should().Be(2, "batches 0-2 are skipped without being read or transformed");
        resumed.Epoch(2, startBatch: 5).Should().BeEmpty();
        var act = () => resumed.Epoch(2, startBatch: 6);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("startBatch");
    }

    [Fact]
    public void Epoch_ConsumerMovesOn_PreviousBatchDisposedCloneKept()
    {
        using var dataset = new IndexedDataset(30);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 2 });
        Batch? previous = null;
        Batch? kept = null;
        foreach (var batch in loader.Epoch(0))
        {
            if (previous is not null)
            {
                var act = () => previous.Images;
                act.Should().Throw<ObjectDisposedException>();
            }

            kept ??= batch.Clone();
            previous = batch;
        }

        var last = () => previous!.Labels;
        last.Should().Throw<ObjectDisposedException>();
        using (kept)
        {
            kept!.Count.Should().Be(10);
            IndexedDataset.Decode(kept).Should().HaveCount(10);
        }
    }

    [Fact]
    public void Epoch_EarlyBreak_NoTensorLeftAlive()
    {
        using var dataset = RandomBytes(64, 3, 8, seed: 3);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, Seed = 3, PrefetchCount = 4 }, Augmentations(8));
        long before = SettledTensorCount();
        foreach (var batch in loader.Epoch(0))
        {
            if (batch.Index == 2)
            {
                break;
            }
        }

        Tensor.TotalCount.Should().Be(before);
    }

    [Fact]
    public void Epoch_SlowConsumer_PrefetchIsBounded()
    {
        using var dataset = new IndexedDataset(100);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 4, PrefetchCount = 2, WorkerCount = 2 });
        using var batches = loader.Epoch(0).GetEnumerator();
        batches.MoveNext().Should().BeTrue();
        WaitForCalls(dataset, 3);
        Thread.Sleep(200);
        dataset.Calls.Should().Be(3, "the batch held plus PrefetchCount = 2 ahead, and no more while the consumer waits");
        batches.MoveNext().Should().BeTrue();
        WaitForCalls(dataset, 4);
        Thread.Sleep(200);
        dataset.Calls.Should().Be(4);
    }

    /// <summary>Waits (up to 10 s, for a busy machine) until the workers have asked for <paramref name="calls"/> batches.</summary>
    private static void WaitForCalls(IndexedDataset dataset, int calls)
    {
        var deadline = Stopwatch.StartNew();
        while (dataset.Calls < calls && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void Epoch_Cancelled_ThrowsAndFreesPreparedBatches()
    {
        using var dataset = new IndexedDataset(200);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 5, PrefetchCount = 3 });
        using var cts = new CancellationTokenSource();
        long before = SettledTensorCount();
        int received = 0;
        var act = () =>
        {
            foreach (var batch in loader.Epoch(0, cts.Token))
            {
                if (++received == 2)
                {
                    cts.Cancel();
                }
            }
        };

        act.Should().Throw<OperationCanceledException>();
        received.Should().Be(2);
        dataset.Calls.Should().BeLessThanOrEqualTo(2 + 3 + 1);
        Tensor.TotalCount.Should().Be(before);
    }

    [Fact]
    public void Epoch_DatasetFails_ErrorSurfacesAtThatBatch()
    {
        using var dataset = new IndexedDataset(50, failOnCall: 2);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 6 });
        int received = 0;
        var act = () =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                received++;
            }
        };

        act.Should().Throw<InvalidDataException>().WithMessage("Simulated failure on call 2.");
        received.Should().Be(2);
    }

    [Fact]
    public void Epoch_ManyEpochs_ResidentMemoryStaysFlat()
    {
        // 4 batches of 64x3x32x32 float32 (786 KB each) per epoch through crop, flip and Hide-and-Seek, on the
        // loader's two reused threads. The live-tensor count is the exact leak detector: it must not move, read
        // before any GC, so no batch may rely on a finalizer. Resident memory is the allocator's view: measured here,
        // glibc's per-thread arenas keep growing for the first ~100 epochs on a loaded machine (up to ~450 MB) and
        // then wander within about ±40 MB. So warm up 130 epochs, then measure 200: leaking one batch per epoch
        // would add 157 MB over them, every batch 630 MB; allow 80 MB.
        using var dataset = RandomBytes(256, 3, 32, seed: 7);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 64, Seed = 7, WorkerCount = 2 }, Augmentations(32));
        double checksum = 0;
        void Run(int from, int to)
        {
            for (int epoch = from; epoch < to; epoch++)
            {
                foreach (var batch in loader.Epoch(epoch))
                {
                    using var scope = NewDisposeScope();
                    checksum += batch.Images[0, 0, 0, 0].item<float>();
                }
            }
        }

        Run(0, 130);
        // Settled, so no earlier test's garbage is finalised inside the window (it once moved the count by 7).
        long tensorsAfterWarmUp = SettledTensorCount();
        long warm = ResidentBytes();
        Run(130, 330);
        long tensorsAtEnd = Tensor.TotalCount;
        long end = ResidentBytes();
        output.WriteLine($"Resident memory after 130 warm-up epochs: {warm / 1048576.0:F1} MB; after 200 more: {end / 1048576.0:F1} MB.");

        tensorsAtEnd.Should().Be(tensorsAfterWarmUp, "every batch is disposed by the loader, none left to a finalizer");
        (end - warm).Should().BeLessThan(80L << 20, $"resident memory went from {warm >> 20} MB to {end >> 20} MB (checksum {checksum})");
    }

    /// <summary>Live tensors once earlier tests' garbage is finalised, so no finalizer changes the count mid-test.</summary>
    private static long SettledTensorCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Tensor.TotalCount;
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    [Theory]
    [InlineData(0, 2, 1, "BatchLoaderOptions.BatchSize is 0 but must be at least 1")]
    [InlineData(8, 0, 1, "BatchLoaderOptions.PrefetchCount is 0 but must be at least 1")]
    [InlineData(8, 2, 0, "BatchLoaderOptions.WorkerCount is 0 but must be at least 1")]
    [InlineData(8, 2, 1, "BatchLoaderOptions.WorkerTorchThreads is -1 but must be at least 0", -1)]
    public void Constructor_BadOptions_Throw(int batchSize, int prefetch, int workers, string message, int torchThreads = 1)
    {
        using var dataset = new IndexedDataset(10);
        var act = () => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = batchSize, PrefetchCount = prefetch, WorkerCount = workers, WorkerTorchThreads = torchThreads });
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Be(message);
    }

    [Fact]
    public void Constructor_SeveralBadOptions_ReportsEachInDeclarationOrder()
    {
        using var dataset = new IndexedDataset(10);
        var act = () => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = -1, WorkerCount = 0 });
        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "BatchLoaderOptions.BatchSize is -1 but must be at least 1",
            "BatchLoaderOptions.WorkerCount is 0 but must be at least 1");
    }

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.ComplexFloat32)]
    public void Constructor_NonFloatingImageDtype_Throws(ScalarType dtype)
    {
        using var dataset = new IndexedDataset(10);
        var act = () => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 4, ImageDtype = dtype });
        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Be(
            $"BatchLoaderOptions.ImageDtype is {dtype} but must be one of Float32, BFloat16, Float16, Float64");
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Epoch_ImageDtype_YieldsTheFloat32BatchesConvertedAfterTheTransforms(ScalarType dtype)
    {
        using var dataset = RandomBytes(24, 3, 16, seed: 5);
        using var fp32 = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5 }, Augmentations(16));
        using var lower = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 5, ImageDtype = dtype }, Augmentations(16));
        lower.ImageDtype.Should().Be(dtype);
        var expected = fp32.Epoch(1).Select(b => b.Clone()).ToList();
        try
        {
            int k = 0;
            foreach (var batch in lower.Epoch(1))
            {
                batch.Images.dtype.Should().Be(dtype);
                batch.Labels.dtype.Should().Be(ScalarType.Int64);
                using var converted = expected[k].Images.to_type(dtype);
                batch.Images.equal(converted).all().item<bool>().Should().BeTrue($"batch {k} is the fp32 batch rounded once, after the transforms");
                batch.Labels.equal(expected[k].Labels).all().item<bool>().Should().BeTrue();
                k++;
            }

            k.Should().Be(3);
        }
        finally
        {
            expected.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void Epoch_ImageDtypeWithBatchStep_ConvertsTheMixedImagesAndKeepsFp32Targets()
    {
        using var dataset = RandomBytes(16, 3, 16, seed: 6);
        var mixup = new MixupOptions { NumClasses = 10, Seed = 6 };
        using var fp32 = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 6 }, null, new Mixup(mixup));
        using var bf16 = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 6, ImageDtype = ScalarType.BFloat16 }, null, new Mixup(mixup));
        var expected = fp32.Epoch(0).Select(b => b.Clone()).ToList();
        try
        {
            int k = 0;
            foreach (var batch in bf16.Epoch(0))
            {
                batch.Images.dtype.Should().Be(ScalarType.BFloat16);
                batch.Targets.dtype.Should().Be(ScalarType.Float32, "soft targets feed the fp32 loss");
                using var converted = expected[k].Images.to_type(ScalarType.BFloat16);
                batch.Images.equal(converted).all().item<bool>().Should().BeTrue("the batch step mixes in fp32; the conversion comes last");
                batch.Targets.equal(expected[k].Targets).all().item<bool>().Should().BeTrue();
                k++;
            }

            k.Should().Be(2);
        }
        finally
        {
            expected.ForEach(b => b.Dispose());
        }
    }

    [Fact]
    public void ToDevice_AlreadyThere_ReturnsTheTensorItselfWithoutACopy()
    {
        using var tensor = torch.arange(6, ScalarType.Byte);

        DeviceTransfer.ToDevice(tensor, CPU).Should().BeSameAs(tensor);
        DeviceTransfer.ToDevice(tensor, new Device(DeviceType.CPU, 0)).Should().BeSameAs(tensor);
    }

    [SkippableFact]
    public void ToDevice_Cuda_CopiesThroughPinnedMemoryAndKeepsTheValues()
    {
        Skip.IfNot(cuda.is_available(), "No CUDA device on this machine.");
        using var host = torch.randint(0, 256, [64, 3, 32, 32], ScalarType.Byte);

        using var onDevice = DeviceTransfer.ToDevice(host, CUDA);
        host.is_pinned().Should().BeFalse("the caller's tensor is not changed; a pinned copy is sent");
        onDevice.device_type.Should().Be(DeviceType.CUDA);
        using var back = onDevice.cpu(); // waits for the non-blocking copy
        back.equal(host).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Constructor_DropLastLargerThanDataset_Throws()
    {
        using var dataset = new IndexedDataset(10);
        var act = () => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 16, DropLast = true });
        act.Should().Throw<ArgumentException>().WithMessage("The dataset has 10 samples, which gives no batch of BatchSize 16 with DropLast.*");
    }

    /// <summary>Records libtorch's thread count on the thread that runs it.</summary>
    private sealed class ThreadCountProbe : torchvision.ITransform
    {
        public int Seen { get; private set; } = -1;

        public Tensor call(Tensor input)
        {
            Seen = get_num_threads();
            return input;
        }
    }

    [Fact]
    public void Epoch_WorkerTorchThreadsOne_OnlyLoaderThreadsLimited()
    {
        // The test collection runs on one thread; two on the consumer's thread show the loader's limit is its own.
        int collection = get_num_threads();
        set_num_threads(2);
        try
        {
            using var dataset = new IndexedDataset(20);
            var probe = new ThreadCountProbe();
            using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 1, WorkerTorchThreads = 1 }, [probe]);
            loader.Epoch(0).Count().Should().Be(2);
            probe.Seen.Should().Be(1);
            get_num_threads().Should().Be(2, "the consumer's (training) thread keeps libtorch's setting");
        }
        finally
        {
            set_num_threads(collection);
        }
    }

    [Fact]
    public void Epoch_SecondEpochWhileFirstRuns_Throws()
    {
        using var dataset = new IndexedDataset(40);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 10, Seed = 9 });
        using var first = loader.Epoch(0).GetEnumerator();
        first.MoveNext().Should().BeTrue();
        var second = () => loader.Epoch(1).First();
        second.Should().Throw<InvalidOperationException>().WithMessage("Another epoch of this BatchLoader is still being enumerated*");
        first.MoveNext().Should().BeTrue("the first epoch goes on");
    }

    [Fact]
    public void Epoch_AfterDispose_Throws()
    {
        using var dataset = new IndexedDataset(10);
        var loader = new BatchLoader(dataset);
        loader.Dispose();
        var act = () => loader.Epoch(0);
        act.Should().Throw<ObjectDisposedException>();
    }

    [SkippableFact]
    public void Epoch_CudaDevice_BatchesOnDevice()
    {
        Skip.IfNot(cuda.is_available(), "No CUDA device on this machine.");
        using var dataset = RandomBytes(16, 3, 16, seed: 8);
        using var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 8, Device = CUDA }, Augmentations(16));
        foreach (var batch in loader.Epoch(0))
        {
            batch.Images.device_type.Should().Be(DeviceType.CUDA);
            batch.Labels.device_type.Should().Be(DeviceType.CUDA);
        }
    }

    [SkippableFact]
    public void Epoch_CudaDeviceBFloat16_SameBatchesAsOnTheCpu()
    {
        Skip.IfNot(cuda.is_available(), "No CUDA device on this machine.");
        using var dataset = RandomBytes(16, 3, 16, seed: 9);
        using var onCpu = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 9, ImageDtype = ScalarType.BFloat16 });
        using var onCuda = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 9, ImageDtype = ScalarType.BFloat16, Device = CUDA });
        var expected = onCpu.Epoch(0).Select(b => b.Clone()).ToList();
        try
        {
            int k = 0;
            foreach (var batch in onCuda.Epoch(0))
            {
                batch.Images.dtype.Should().Be(ScalarType.BFloat16);
                using var images = batch.Images.cpu();
                using var labels = batch.Labels.cpu();
                images.equal(expected[k].Images).all().item<bool>().Should().BeTrue();
                labels.equal(expected[k].Labels).all().item<bool>().Should().BeTrue();
                k++;
            }
        }
        finally
        {
            expected.ForEach(b => b.Dispose());
        }
    }
}
