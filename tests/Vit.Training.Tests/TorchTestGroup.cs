using TorchSharp;
using Xunit;

namespace Vit.Training.Tests;

/// <summary>
/// Tests that touch libtorch run in this one collection, one at a time: libtorch's thread pool already uses
/// every core, and global state (seeds, default dtype) must not be shared between concurrent tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTestGroup : ICollectionFixture<TorchTestGroup.SingleThreaded>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch";

    /// <summary>
    /// Runs libtorch on one intra-op thread. The test models are tiny, and on a machine shared with other builds
    /// OpenMP's spinning threads made a training step 15 times slower with 2 threads than with 1 (measured: 723 vs 49 ms).
    /// </summary>
    public sealed class SingleThreaded
    {
        public SingleThreaded() => torch.set_num_threads(1);
    }
}
