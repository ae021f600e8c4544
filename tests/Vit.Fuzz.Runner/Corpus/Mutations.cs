namespace Vit.Fuzz;

/// <summary>Seeded damage to a valid file: flipped bits, a cut, inserted or overwritten bytes.</summary>
public static class Mutations
{
    /// <summary>The <paramref name="seed"/>-th mutation of <paramref name="valid"/> (deterministic).</summary>
    public static byte[] Of(byte[] valid, int seed)
    {
        var random = new Random(seed);
        byte[] data = [.. valid];
        switch (seed % 4)
        {
            case 0:
                for (int i = 0; i < 1 + random.Next(4); i++)
                {
                    int at = random.Next(data.Length);
                    data[at] ^= (byte)(1 << random.Next(8));
                }

                return data;
            case 1:
                return data[..random.Next(data.Length)];
            case 2:
                int insert = random.Next(data.Length);
                return [.. data[..insert], .. Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)), .. data[insert..]];
            default:
                int start = random.Next(Math.Min(data.Length, 32));
                for (int i = start; i < Math.Min(data.Length, start + 8); i++)
                {
                    data[i] = 0xFF;
                }

                return data;
        }
    }
}
