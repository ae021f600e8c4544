using TorchSharp;

namespace Vit.Core;

/// <summary>
/// TorchSharp <see cref="Scalar"/>s that live as long as the process, for the <c>alpha</c> of additions:
/// <c>x.add(y, ScalarConstants.One)</c> instead of <c>x + y</c>. TorchSharp 0.107's <c>add(tensor)</c>,
/// <c>add_(tensor)</c>, <c>add(scalar)</c> and the <c>+</c> operator create an implicit alpha Scalar of 1 that only its
/// finalizer frees, and another thread's garbage collection can run that finalizer while libtorch still reads it
/// (tests/README.md, "Why no implicit Scalars"). A static Scalar is never finalized, and libtorch only reads it, so
/// any number of threads may pass it at once.
/// </summary>
public static class ScalarConstants
{
    /// <summary>Gets the integer Scalar 1: the alpha of a plain addition.</summary>
    public static Scalar One { get; } = 1.ToScalar();
}
