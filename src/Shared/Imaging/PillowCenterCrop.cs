using System.Globalization;
using Vit.Input;

namespace Vit.Imaging;

/// <summary>
/// The geometry of timm's evaluation transform on 8-bit planes: resize the shorter side to <c>floor(size / crop_pct)</c>
/// with Pillow's resampling (the longer side to <c>floor(target * longer / shorter)</c>, torchvision's <c>Resize(int)</c>),
/// then torchvision's <c>CenterCrop</c> (zero padding where the image is smaller, the crop at
/// <c>round((side - crop) / 2)</c>). Compiled into Vit.Inference and Vit.Data: one implementation for serving and training.
/// </summary>
internal static class PillowCenterCrop
{
    /// <summary>timm's resize target for the shorter side, <c>floor(size / crop_pct)</c>.</summary>
    /// <param name="size">The crop's side.</param>
    /// <param name="cropPct">The fraction of the resized image the crop keeps.</param>
    /// <returns>The target of the shorter side.</returns>
    public static int ScaleSize(int size, double cropPct) => (int)Math.Floor(size / cropPct);

    /// <summary>Resizes and centre-crops every plane of <paramref name="image"/>.</summary>
    /// <param name="image">The decoded image.</param>
    /// <param name="height">The crop's height.</param>
    /// <param name="width">The crop's width.</param>
    /// <param name="scaleSize">The shorter side's target, see <see cref="ScaleSize"/>.</param>
    /// <param name="interpolation">bilinear, bicubic or nearest.</param>
    /// <param name="source">How messages name the image, e.g. a quoted path.</param>
    /// <returns>One <paramref name="height"/> x <paramref name="width"/> plane per channel.</returns>
    /// <exception cref="InvalidDataException">The resized image would hold more than <see cref="InputLimits.MaxImagePixels"/> pixels (an extreme aspect ratio).</exception>
    public static byte[][] Apply(PlanarImage image, int height, int width, int scaleSize, string interpolation, string source = "the image")
    {
        int shorter = Math.Min(image.Width, image.Height), longer = Math.Max(image.Width, image.Height);
        long longSide = (long)scaleSize * longer / shorter;
        if (longSide * scaleSize > InputLimits.MaxImagePixels)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source} is {image.Width}x{image.Height}; resizing its shorter side to {scaleSize} px would make {longSide}x{scaleSize} pixels, more than the {InputLimits.MaxImagePixels} Vit resizes (the aspect ratio is too extreme)."));
        }

        int resizedLong = (int)longSide;
        int newWidth = image.Width <= image.Height ? scaleSize : resizedLong;
        int newHeight = image.Width <= image.Height ? resizedLong : scaleSize;
        var planes = new byte[image.Planes.Length][];
        for (int c = 0; c < planes.Length; c++)
        {
            byte[] resized = PillowResampler.Resize(image.Planes[c], image.Width, image.Height, newWidth, newHeight, interpolation);
            planes[c] = Crop(resized, newWidth, newHeight, height, width);
        }

        return planes;
    }

    /// <summary>torchvision's <c>CenterCrop</c>: pad with zeros where the image is smaller, then crop at <c>round((size - crop) / 2)</c>.</summary>
    private static byte[] Crop(byte[] pixels, int width, int height, int cropHeight, int cropWidth)
    {
        int padLeft = cropWidth > width ? (cropWidth - width) / 2 : 0;
        int padTop = cropHeight > height ? (cropHeight - height) / 2 : 0;
        int paddedWidth = Math.Max(width, cropWidth), paddedHeight = Math.Max(height, cropHeight);
        int top = (int)Math.Round((paddedHeight - cropHeight) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((paddedWidth - cropWidth) / 2.0, MidpointRounding.ToEven);
        var output = new byte[cropHeight * cropWidth];
        for (int y = 0; y < cropHeight; y++)
        {
            int sy = y + top - padTop;
            for (int x = 0; x < cropWidth; x++)
            {
                int sx = x + left - padLeft;
                output[(y * cropWidth) + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? pixels[(sy * width) + sx] : (byte)0;
            }
        }

        return output;
    }
}
