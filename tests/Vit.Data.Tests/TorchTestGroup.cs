using Xunit;

namespace Vit.Data.Tests;

/// <summary>
/// Tests that touch libtorch run in this one collection, one at a time: libtorch's thread pool already uses
/// every core, and the live-tensor count and resident memory some tests measure must not see other tests' tensors.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTestGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch";
}
