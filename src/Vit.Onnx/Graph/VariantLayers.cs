using Google.Protobuf;
using Onnx;
using TorchSharp;
using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Onnx;

/// <summary>
/// Writes the layers every timm variant is made of (linear layers on 2-D or 3-D tokens, LayerNorm / RMSNorm,
/// the four activations) from a float32 state dict with timm's keys, choosing operators by opset.
/// </summary>
internal sealed class VariantLayers
{
    /// <summary>The first opset with the standard <c>Gelu</c> operator (exact and tanh forms).</summary>
    private const int GeluOpset = 20;

    /// <summary>The first opset with the standard <c>RMSNormalization</c> operator.</summary>
    private const int RmsNormOpset = 23;

    private readonly IReadOnlyDictionary<string, Tensor> _state;
    private readonly VisionTransformerOptions _options;

    public VariantLayers(OnnxGraphBuilder graph, IReadOnlyDictionary<string, Tensor> state, VisionTransformerOptions options, int opset)
    {
        G = graph;
        _state = state;
        _options = options;
        Opset = opset;
    }

    public OnnxGraphBuilder G { get; }

    public int Opset { get; }

    public bool Has(string key) => _state.ContainsKey(key);

    public Tensor Get(string key) =>
        _state.TryGetValue(key, out var t) ? t : throw new InvalidOperationException($"The model has no weight '{key}'.");

    public Tensor? Find(string key) => _state.TryGetValue(key, out var t) ? t : null;

    /// <summary><c>x Wᵀ + b</c> on tokens of any rank: MatMul then Add (ONNX Runtime fuses the pair).</summary>
    public string Linear(string key, string input, Tensor? weight = null, Tensor? bias = null)
    {
        weight ??= Get(key + ".weight");
        bias ??= Find(key + ".bias");
        string product = G.Node("MatMul", key, [input, G.Float(key + ".weight_t", weight.t())]);
        return bias is null ? product : G.Node("Add", key + "_bias", [product, G.Float(key + ".bias", bias)]);
    }

    /// <summary>The model's norm (LayerNorm or RMSNorm) over the last axis; <paramref name="scale"/> multiplies its affine parameters (a folded constant).</summary>
    public string Norm(string key, string input, double scale = 1.0)
    {
        float eps = (float)_options.LayerNormEpsilon;
        using var factor = scale.ToScalar();
        var weight = Get(key + ".weight").mul(factor);
        if (_options.Norm == NormKind.LayerNorm)
        {
            var bias = Get(key + ".bias").mul(factor);
            return G.Node("LayerNormalization", key, [input, G.Float(key + ".weight", weight), G.Float(key + ".bias", bias)],
                OnnxGraphBuilder.Int("axis", -1), OnnxGraphBuilder.Float("epsilon", eps));
        }

        string w = G.Float(key + ".weight", weight);
        if (Opset >= RmsNormOpset)
        {
            return G.Node("RMSNormalization", key, [input, w], OnnxGraphBuilder.Int("axis", -1), OnnxGraphBuilder.Float("epsilon", eps));
        }

        // x / sqrt(mean(x²) + eps) * w, as Vit's RmsNorm computes it.
        string squares = G.Node("Mul", key + "_square", [input, input]);
        string meanSquare = ReduceLast("ReduceMean", key + "_mean_square", squares);
        string shifted = G.Node("Add", key + "_eps", [meanSquare, G.Scalar(key + ".epsilon", eps)]);
        string root = G.Node("Sqrt", key + "_sqrt", [shifted]);
        string normed = G.Node("Div", key + "_normed", [input, root]);
        return G.Node("Mul", key + "_scaled", [normed, w]);
    }

    /// <summary>The model's MLP activation: exact or tanh GELU (one operator from opset 20), quick-GELU, SiLU, ReLU.</summary>
    public string Activation(string name, string input) => Activation(name, input, _options.Activation);

    /// <summary>Activation <paramref name="kind"/> (the MLP's, or the stem's <see cref="VisionTransformerOptions.StemActivation"/>).</summary>
    public string Activation(string name, string input, ActivationKind kind) => kind switch
    {
        ActivationKind.Gelu when Opset >= GeluOpset => G.Node("Gelu", name + "_gelu", [input]),
        ActivationKind.Gelu => ErfGelu(name, input),
        ActivationKind.GeluTanh when Opset >= GeluOpset => G.Node("Gelu", name + "_gelu", [input], String("approximate", "tanh")),
        ActivationKind.GeluTanh => TanhGelu(name, input),
        ActivationKind.QuickGelu => SigmoidGate(name + "_quick_gelu", input, 1.702f),
        ActivationKind.Silu => SigmoidGate(name + "_silu", input, 1f),
        ActivationKind.Relu => G.Node("Relu", name + "_relu", [input]),
        _ => throw new NotSupportedException($"ActivationKind {kind} has no ONNX form."),
    };

    /// <summary>A reduction over axis <paramref name="axis"/> (axes an input from opset 18, an attribute below).</summary>
    public string Reduce(string op, string name, string input, long axis, bool keepDims)
    {
        long keep = keepDims ? 1 : 0;
        return Opset >= 18
            ? G.Node(op, name, [input, G.Axes(axis)], OnnxGraphBuilder.Int("keepdims", keep))
            : G.Node(op, name, [input], OnnxGraphBuilder.Ints("axes", axis), OnnxGraphBuilder.Int("keepdims", keep));
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private string ReduceLast(string op, string name, string input) => Reduce(op, name, input, -1, keepDims: true);

    private string ErfGelu(string name, string input)
    {
        string scaled = G.Node("Div", name + "_gelu_div", [input, G.Scalar("sqrt2", (float)Math.Sqrt(2.0))]);
        string erf = G.Node("Erf", name + "_gelu_erf", [scaled]);
        string shifted = G.Node("Add", name + "_gelu_add", [erf, G.Scalar("one", 1f)]);
        string product = G.Node("Mul", name + "_gelu_mul", [input, shifted]);
        return G.Node("Mul", name + "_gelu_half", [product, G.Scalar("half", 0.5f)]);
    }

    /// <summary>0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), PyTorch's <c>approximate='tanh'</c>.</summary>
    private string TanhGelu(string name, string input)
    {
        string cube = G.Node("Mul", name + "_gelu_cube", [G.Node("Mul", name + "_gelu_square", [input, input]), input]);
        string inner = G.Node("Add", name + "_gelu_inner", [input, G.Node("Mul", name + "_gelu_cube_scaled", [cube, G.Scalar("gelu_tanh_c", 0.044715f)])]);
        string tanh = G.Node("Tanh", name + "_gelu_tanh", [G.Node("Mul", name + "_gelu_scaled", [inner, G.Scalar("gelu_tanh_k", (float)Math.Sqrt(2.0 / Math.PI))])]);
        string shifted = G.Node("Add", name + "_gelu_add", [tanh, G.Scalar("one", 1f)]);
        return G.Node("Mul", name + "_gelu_half", [G.Node("Mul", name + "_gelu_mul", [input, shifted]), G.Scalar("half", 0.5f)]);
    }

    /// <summary>x · sigmoid(k x): SiLU for k = 1, quick-GELU for k = 1.702.</summary>
    private string SigmoidGate(string name, string input, float k)
    {
        string argument = k == 1f ? input : G.Node("Mul", name + "_scale", [input, G.Scalar("quick_gelu_k", k)]);
        return G.Node("Mul", name, [input, G.Node("Sigmoid", name + "_sigmoid", [argument])]);
    }
}
