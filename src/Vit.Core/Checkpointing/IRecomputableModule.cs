using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// A module that <see cref="GradientCheckpoint"/> may rerun more cheaply inside its backward: the recomputed output's
/// value is never read there (only the graph behind it, for the output's gradient), so work that only feeds that value
/// can be left out.
/// </summary>
internal interface IRecomputableModule
{
    /// <summary>
    /// Runs the module for a backward only: the returned tensor's graph gives every parameter and the input their
    /// gradients for a given output gradient, while its values may differ from <c>forward</c>'s.
    /// </summary>
    /// <param name="input">The saved input (a leaf that requires gradients).</param>
    /// <returns>A tensor to back-propagate the output's gradient through.</returns>
    Tensor RecomputeForBackward(Tensor input);
}
