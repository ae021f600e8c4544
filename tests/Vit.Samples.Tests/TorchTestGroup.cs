using TorchSharp;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>Tests that touch libtorch run in this one collection, one at a time, on one intra-op thread.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTestGroup : ICollectionFixture<TorchTestGroup.SingleThreaded>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch";

    /// <summary>Tiny models: one thread avoids OpenMP spinning on a shared machine.</summary>
    public sealed class SingleThreaded
    {
        public SingleThreaded() => torch.set_num_threads(1);
    }
}
