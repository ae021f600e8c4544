using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Host-to-device copies of batch tensors. To a CUDA device the tensor is first copied into pinned (page-locked) host
/// memory and then sent with a <c>non_blocking</c> copy, as PyTorch's <c>DataLoader(pin_memory=True)</c> and
/// <c>.to(device, non_blocking=True)</c> do: the DMA engine reads pinned pages directly and the loader's thread does
/// not wait for the transfer. libtorch's pinned allocator keeps the block alive until the copy has run, so the source
/// may be disposed at once. Other devices get a plain copy; a tensor already on the device is returned as it is.
/// </summary>
internal static class DeviceTransfer
{
    /// <summary>Returns <paramref name="tensor"/> on <paramref name="device"/>: the same object when it is already there (the caller keeps ownership), otherwise a new tensor.</summary>
    public static Tensor ToDevice(Tensor tensor, Device device)
    {
        if (tensor.device_type == device.type && (device.type == DeviceType.CPU || tensor.device_index == device.index))
        {
            return tensor;
        }

        if (device.type != DeviceType.CUDA || tensor.device_type != DeviceType.CPU)
        {
            return tensor.to(device);
        }

        using var pinned = tensor.is_pinned() ? null : tensor.pin_memory();
        return (pinned ?? tensor).to(device, non_blocking: true);
    }
}
