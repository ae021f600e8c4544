using static TorchSharp.torch;

namespace Vit.Data.Tests;

/// <summary>
/// A dataset whose sample i is a 1x1x2 image holding (i / 256, i % 256) and label i % classes, so a batch tells
/// which samples it holds. Counts GetBatch calls and can fail on one of them.
/// </summary>
internal sealed class IndexedDataset : IImageDataset, IDisposable
{
    private readonly InMemoryImageDataset _data;
    private int _calls;

    public IndexedDataset(int count, int classes = 5, int failOnCall = -1)
    {
        byte[] pixels = new byte[count * 2];
        for (int i = 0; i < count; i++)
        {
            pixels[2 * i] = (byte)(i / 256);
            pixels[(2 * i) + 1] = (byte)(i % 256);
        }

        _data = new InMemoryImageDataset(
            pixels, [.. Enumerable.Range(0, count).Select(i => i % classes)], 1, 1, 2, [.. Enumerable.Range(0, classes).Select(c => $"c{c}")]);
        FailOnCall = failOnCall;
    }

    public int FailOnCall { get; }

    public int Calls => Volatile.Read(ref _calls);

    public int Count => _data.Count;

    public int Channels => 1;

    public int Height => 1;

    public int Width => 2;

    public IReadOnlyList<string> ClassNames => _data.ClassNames;

    public int GetLabel(int index) => _data.GetLabel(index);

    public (Tensor Images, Tensor Labels) GetBatch(ReadOnlySpan<int> indices)
    {
        int call = Interlocked.Increment(ref _calls) - 1;
        if (call == FailOnCall)
        {
            throw new InvalidDataException($"Simulated failure on call {call}.");
        }

        return _data.GetBatch(indices);
    }

    /// <summary>Reads back which samples a float batch from the loader holds.</summary>
    public static int[] Decode(Batch batch)
    {
        float[] values = TensorHelpers.Floats(batch.Images);
        return [.. Enumerable.Range(0, batch.Count).Select(b => ((int)Math.Round(values[2 * b] * 255) * 256) + (int)Math.Round(values[(2 * b) + 1] * 255))];
    }

    public void Dispose() => _data.Dispose();
}
