using Xunit;

namespace Vit.Onnx.Tests;

/// <summary>
/// Tests that touch libtorch run in this one collection, one at a time: libtorch's thread pool already uses
/// every core, and global state (seeds, default dtype) must not be shared between concurrent tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchTestGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "libtorch";
}
