#!/usr/bin/env bash
# Consumer check for Vit.Inference: packs it under a unique prerelease version into a temporary folder feed, checks the
# package (no TorchSharp dependency, licence, docs, symbols), restores eng/consumers/Vit.Consumer.Inference against the
# feed in a folder outside the repository (no repository build files), builds it, runs it on a model folder and an
# image, then publishes it and checks that the publish folder holds no libtorch and is under 150 MB.
#   eng/consumers/inference.sh MODEL_FOLDER IMAGE     (a folder with config.json + model.onnx, e.g. a sample run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
model="$(cd "$1" && pwd)"; image="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S).$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/vit-inference-consumer.XXXXXX")"
cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
cleanup() { rm -rf "$work" "${cache%/}/vit.inference/$version"; rmdir "${cache%/}/vit.inference" 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "inference consumer check FAILED: $*" >&2; exit 1; }

feed="$work/feed"
echo "== pack Vit.Inference $version"
dotnet pack "$root/src/Vit.Inference/Vit.Inference.csproj" -c Release -p:PackageVersion="$version" -o "$feed" --nologo -v:q
nupkg="$feed/Vit.Inference.$version.nupkg"
[[ -f "$nupkg" && -f "$feed/Vit.Inference.$version.snupkg" ]] || fail "no Vit.Inference package or symbols"
listing="$(unzip -l "$nupkg")"
for entry in lib/net8.0/Vit.Inference.dll lib/net8.0/Vit.Inference.xml lib/net10.0/Vit.Inference.dll README.md; do
  grep -q " $entry\$" <<<"$listing" || fail "the package lacks $entry"
done
nuspec="$(unzip -p "$nupkg" Vit.Inference.nuspec)"
if grep -Eio 'id="(TorchSharp[a-z.-]*|Vit\.Core|libtorch[a-z0-9.-]*)"' <<<"$nuspec"; then fail "Vit.Inference depends on TorchSharp or Vit.Core"; fi
for dep in 'id="Microsoft.ML.OnnxRuntime" version="1.31.1"' 'id="SkiaSharp"' '<license type="expression">MIT</license>'; do
  grep -qF "$dep" <<<"$nuspec" || fail "Vit.Inference.nuspec lacks $dep"
done
echo "   Vit.Inference: lib/net8.0 + net10.0 with XML docs, README, MIT, snupkg; depends on ONNX Runtime and SkiaSharp, not TorchSharp"

app="$work/app"
mkdir -p "$app"
cp "$here/Vit.Consumer.Inference/Program.cs" "$here/Vit.Consumer.Inference/Vit.Consumer.Inference.csproj" "$app/"
# Isolation: empty build files stop MSBuild from walking up into anything; the package sources plus the local feed.
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do echo '<Project />' > "$work/$f"; done
cp "$root/nuget.config" "$work/nuget.config"
dotnet nuget add source "$feed" --name vit-local --configfile "$work/nuget.config" >/dev/null
echo "== restore, build and run the inference-only app outside the repository ($app)"
dotnet restore "$app/Vit.Consumer.Inference.csproj" -p:VitVersion="$version" --nologo -v:q
dotnet build "$app/Vit.Consumer.Inference.csproj" -c Release --no-restore -p:VitVersion="$version" --nologo -v:q
dotnet "$app/bin/Release/net10.0/Vit.Consumer.Inference.dll" "$model" "$image"

echo "== publish (linux-x64) and check the folder"
dotnet publish "$app/Vit.Consumer.Inference.csproj" -c Release -r linux-x64 --self-contained false -p:VitVersion="$version" -o "$work/publish" --nologo -v:q
if find "$work/publish" -iname '*torch*' | grep -q .; then fail "the publish folder holds TorchSharp/libtorch files: $(find "$work/publish" -iname '*torch*' | head -3)"; fi
size_mb=$(( $(du -sk "$work/publish" | cut -f1) / 1024 ))
((size_mb < 150)) || fail "the publish folder is $size_mb MB (limit 150)"
dotnet "$work/publish/Vit.Consumer.Inference.dll" "$model" "$image" >/dev/null || fail "the published app failed"
echo "inference consumer check passed ($version): publish folder $size_mb MB, no libtorch"
