using TorchSharp;
using Xunit;

namespace Vit.Testing;

/// <summary>
/// Tests that touch libtorch run in this one collection, one at a time, on one intra-op thread: libtorch's thread
/// pool would otherwise use every core, global state (seeds, default dtype) and the live-tensor counts and resident
/// memory some tests measure must not see other tests, and the test models are tiny (one thread is faster on a
/// shared machine: tests/README.md).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTestGroup : ICollectionFixture<TorchTestGroup.SingleThreaded>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch";

    /// <summary>Runs libtorch on one intra-op thread for the whole collection.</summary>
    public sealed class SingleThreaded
    {
        /// <summary>Sets libtorch's intra-op thread count to 1.</summary>
        public SingleThreaded() => torch.set_num_threads(1);
    }
}
