using System.Numerics;

namespace Vit.Samples.Similarity;

/// <summary>Exact k-nearest neighbours by cosine similarity of unit-length embeddings (a dot product each).</summary>
internal static class NearestNeighbours
{
    /// <summary>The <paramref name="k"/> indices most similar to <paramref name="query"/>, most similar first, ties by index; <paramref name="exclude"/> is skipped.</summary>
    public static IReadOnlyList<(int Index, float Similarity)> Find(ReadOnlySpan<float> query, IReadOnlyList<float[]> embeddings, int k, int exclude = -1)
    {
        var best = new List<(int Index, float Similarity)>(k + 1);
        for (int i = 0; i < embeddings.Count; i++)
        {
            if (i == exclude)
            {
                continue;
            }

            float similarity = Dot(query, embeddings[i]);
            if (best.Count == k && similarity <= best[^1].Similarity)
            {
                continue;
            }

            int at = best.FindIndex(b => similarity > b.Similarity);
            best.Insert(at < 0 ? best.Count : at, (i, similarity));
            if (best.Count > k)
            {
                best.RemoveAt(k);
            }
        }

        return best;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        int i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        }

        float total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
