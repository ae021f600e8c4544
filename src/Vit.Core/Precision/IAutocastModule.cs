namespace Vit.Core;

/// <summary>
/// Marks a module whose forward routes its matrix products through <see cref="Autocast"/>'s ops, so autocast reaches
/// its own parameters and those of its direct children (<see cref="Autocast.UncoveredModules"/> counts them as
/// covered). Vit's layers (<see cref="AutocastLinear"/>, <see cref="AutocastConv2d"/>, <see cref="AutocastLayerNorm"/>)
/// and the modules built from them (<see cref="PatchEmbedding"/>, <see cref="MultiHeadAttention"/>,
/// <see cref="FeedForward"/>, <see cref="EncoderLayer"/>, <see cref="VisionTransformer"/>, …) implement it.
/// </summary>
#pragma warning disable CA1040 // A marker: the contract is how forward is written, not a member.
public interface IAutocastModule
{
}
#pragma warning restore CA1040
