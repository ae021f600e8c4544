namespace Vit.Core;

/// <summary>The MLP of each transformer block (timm's <c>mlp_layer</c>).</summary>
public enum MlpKind
{
    /// <summary><c>fc2(act(fc1(x)))</c> (timm's <c>Mlp</c>; keys <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>).</summary>
    Standard = 0,

    /// <summary>
    /// SwiGLU with one packed input projection whose first half is the gate: <c>fc2(act(a) * b)</c> with
    /// <c>[a, b] = fc1(x)</c> (timm's <c>SwiGLUPacked</c> = <c>GluMlp(gate_last=False)</c>; DINOv2-giant). <c>fc1</c>
    /// is <see cref="VisionTransformerOptions.MlpHiddenDim"/> wide, <c>fc2</c> takes half of that.
    /// </summary>
    PackedSwiGlu = 1,

    /// <summary>
    /// SwiGLU with separate gate and value projections: <c>fc2(act(fc1_g(x)) * fc1_x(x))</c> (timm's <c>SwiGLU</c>;
    /// keys <c>mlp.fc1_g.*</c>, <c>mlp.fc1_x.*</c>, <c>mlp.fc2.*</c>; AIMv2).
    /// </summary>
    SwiGlu = 2,
}
