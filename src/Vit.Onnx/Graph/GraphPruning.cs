using Onnx;

namespace Vit.Onnx;

/// <summary>
/// Removes the nodes and initializers no graph output depends on: a graph written with every head (logits,
/// embeddings, tokens) keeps only what the chosen outputs read, so nothing runs for nothing and no dangling node
/// reads a value the precision passes rename.
/// </summary>
internal static class GraphPruning
{
    public static void RemoveUnused(GraphProto graph)
    {
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new List<NodeProto>();

        // Nodes are in topological order: walking backwards sees every consumer before its producers.
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            var node = graph.Node[i];
            if (node.Output.Any(needed.Contains))
            {
                kept.Add(node);
                needed.UnionWith(node.Input.Where(name => name.Length > 0));
            }
        }

        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
    }
}
