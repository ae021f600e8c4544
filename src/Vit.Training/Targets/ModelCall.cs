using System.Globalization;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>Runs the model on a batch, turning libtorch's failure on an input it cannot take into a message about the batch.</summary>
internal static class ModelCall
{
    public static Tensor Run(nn.Module<Tensor, Tensor> model, Tensor images)
    {
        try
        {
            return model.call(images);
        }
        catch (Exception e) when (e is ExternalException or ArgumentException)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The model ({model.GetType().Name}) cannot run on images of shape [{string.Join(", ", images.shape)}] ({images.dtype}): {e.Message}"),
                nameof(images),
                e);
        }
    }
}
