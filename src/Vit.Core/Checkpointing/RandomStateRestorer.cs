using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>Puts libtorch's CPU generator state back when disposed, so a recomputation does not shift later random draws.</summary>
internal sealed class RandomStateRestorer(Tensor state) : IDisposable
{
    public void Dispose()
    {
        random.set_rng_state(state);
        state.Dispose();
    }
}
