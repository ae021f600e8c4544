namespace Vit.Fuzz;

/// <summary>Every <see cref="IFuzzReader"/> in this assembly, by name.</summary>
public static class FuzzReaders
{
    /// <summary>Gets the readers, ordered by name.</summary>
    public static IReadOnlyList<IFuzzReader> All { get; } = [.. typeof(FuzzReaders).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(IFuzzReader).IsAssignableFrom(t))
        .Select(t => (IFuzzReader)Activator.CreateInstance(t)!)
        .OrderBy(r => r.Name, StringComparer.Ordinal)];

    /// <summary>The reader called <paramref name="name"/>.</summary>
    public static IFuzzReader Find(string name) =>
        All.FirstOrDefault(r => r.Name == name) ?? throw new ArgumentException($"No fuzz reader '{name}'; known: {string.Join(", ", All.Select(r => r.Name))}.", nameof(name));
}
