namespace Vit.Samples.Similarity;

/// <summary>Retrieval quality: each image queries all the others; the share of its k nearest that have its class, averaged.</summary>
internal static class PrecisionAtK
{
    public static double Compute(IReadOnlyList<float[]> embeddings, IReadOnlyList<int> labels, int k)
    {
        double total = 0;
        for (int i = 0; i < embeddings.Count; i++)
        {
            var nearest = NearestNeighbours.Find(embeddings[i], embeddings, k, exclude: i);
            total += nearest.Count(n => labels[n.Index] == labels[i]) / (double)k;
        }

        return total / embeddings.Count;
    }
}
