using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// A checkpoint's integrity check: SHA-256 over every tensor (name, dtype, shape and bytes, in ordinal name order)
/// and the <see cref="CheckpointState"/> JSON, stored as <c>sha256:&lt;hex&gt;</c> under <see cref="MetadataKey"/>.
/// A flipped bit anywhere in the tensor data or the state then fails the load instead of resuming silently.
/// </summary>
internal static class CheckpointChecksum
{
    /// <summary>The metadata key holding the checksum.</summary>
    public const string MetadataKey = "vit.checksum";

    private const string Prefix = "sha256:";

    // Tensor.bytes spans at most 2 GiB: larger tensors are hashed in slices of this many bytes at most.
    private const long SliceBytes = 1L << 28;

    /// <summary>The checksum of <paramref name="tensors"/> and <paramref name="stateJson"/>, as stored.</summary>
    public static string Compute(IReadOnlyDictionary<string, Tensor> tensors, string stateJson)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        Span<byte> number = stackalloc byte[8];
        foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            var tensor = tensors[name];
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\0{tensor.dtype}\0{tensor.ndim}\0"));
            foreach (long dim in tensor.shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(number, dim);
                hash.AppendData(number);
            }

            AppendBytes(hash, tensor);
        }

        hash.AppendData(Encoding.UTF8.GetBytes(stateJson));
        return Prefix + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>Adds a problem when <paramref name="stored"/> is not the checksum of what was read.</summary>
    public static void Check(string stored, IReadOnlyDictionary<string, Tensor> tensors, string stateJson, List<string> problems)
    {
        string actual = Compute(tensors, stateJson);
        if (!string.Equals(stored, actual, StringComparison.Ordinal))
        {
            problems.Add($"its data does not match its checksum ({MetadataKey} is '{stored}', the data hashes to '{actual}'): the file was damaged or edited after it was written");
        }
    }

    private static void AppendBytes(IncrementalHash hash, Tensor tensor)
    {
        long count = tensor.NumberOfElements;
        if (count == 0)
        {
            return;
        }

        var flat = tensor.detach().cpu().contiguous().reshape(-1);
        long perSlice = Math.Max(1, SliceBytes / flat.ElementSize);
        for (long start = 0; start < count; start += perSlice)
        {
            using var slice = flat.narrow(0, start, Math.Min(perSlice, count - start));
            hash.AppendData(slice.bytes);
        }
    }
}
