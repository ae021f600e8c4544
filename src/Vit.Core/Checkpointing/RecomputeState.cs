using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>What the backward of a checkpointed module needs to rerun its forward exactly (a class, because autograd's context refuses bare tensors as data).</summary>
/// <param name="Module">The checkpointed module.</param>
/// <param name="CpuRandomState">libtorch's CPU generator state before the forward, when the module was in training mode (dropout draws from it).</param>
/// <param name="AutocastDtype">The forward's <see cref="Autocast.Dtype"/>, or <see langword="null"/> when autocast was off.</param>
internal sealed record RecomputeState(nn.Module<Tensor, Tensor> Module, Tensor? CpuRandomState, ScalarType? AutocastDtype);
