namespace Vit.Imaging;

/// <summary>A decoded 8-bit image as one row-major plane per channel (R, G, B, or a single grey plane).</summary>
/// <param name="Planes">The planes, each <paramref name="Width"/> x <paramref name="Height"/> bytes.</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
internal sealed record PlanarImage(byte[][] Planes, int Width, int Height);
