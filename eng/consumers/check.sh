#!/usr/bin/env bash
# Consumer check: packs the Vit packages into a temporary folder feed under a unique prerelease version (so NuGet's
# global-packages cache can never serve a stale copy), checks what the packages contain, then restores, builds and
# runs every consumer app in this folder (each sub-folder with a .csproj) against that feed, in a folder outside the
# repository (so no repository build file applies). For apps whose output has libLibTorchSharp.so it also checks, on
# Linux, that the Linux load fix came from Vit.Core's buildTransitive targets and that -p:VitLinuxLoadFix=false turns
# it off.
#
#   eng/consumers/check.sh            (needs: dotnet, unzip; readelf for the Linux checks)
#
# It also packs the `vit` tool (Vit.Cli), installs it with `dotnet tool install --tool-path` from the feed, exports
# VIT_CONSUMER_MODEL (a model folder) with it and hands the exported folder to the consumers (VIT_CONSUMER_EMBED_MODEL).
#
# Adding a consumer: a sub-folder here with one <Name>.csproj whose PackageReferences use Version="$(VitVersion)",
# and a Program.cs that exits non-zero when something is wrong; add any new package to `packages` below.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
packages=(Vit.Core Vit.Data Vit.Training Vit.Distributed Vit.Onnx Vit.Inference)
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S).$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/vit-consumer.XXXXXX")"
cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
cleanup() {
  rm -rf "$work"
  for id in "${packages[@]}" Vit.Cli; do
    id="${id,,}"
    rm -rf "${cache%/}/$id/$version"
    rmdir "${cache%/}/$id" 2>/dev/null || true
  done
}
trap cleanup EXIT
fail() { echo "consumer check FAILED: $*" >&2; exit 1; }

feed="$work/feed"
echo "== pack $version into $feed"
for project in "${packages[@]}"; do
  dotnet pack "$root/src/$project/$project.csproj" -c Release -p:PackageVersion="$version" -o "$feed" --nologo -v:q
done

echo "== check the packages"
for id in "${packages[@]}"; do
  nupkg="$feed/$id.$version.nupkg"
  [[ -f "$nupkg" ]] || fail "$nupkg was not produced"
  [[ -f "$feed/$id.$version.snupkg" ]] || fail "no symbol package for $id"
  # (grep reads here-strings, not pipes: with pipefail, grep -q closing a pipe early would fail the producer.)
  symbols="$(unzip -l "$feed/$id.$version.snupkg")"
  grep -q " lib/net8.0/$id.pdb\$" <<<"$symbols" || fail "$id.snupkg has no lib/net8.0/$id.pdb"
  listing="$(unzip -l "$nupkg")"
  for entry in "lib/net8.0/$id.dll" "lib/net8.0/$id.xml" "lib/net10.0/$id.dll" "lib/net10.0/$id.xml" README.md; do
    grep -q " $entry\$" <<<"$listing" || fail "$id package lacks $entry"
  done
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")"
  for field in "<id>$id</id>" "<version>$version</version>" '<license type="expression">MIT</license>' \
               '<readme>README.md</readme>' '<repository type="git" url="https://' '<tags>' '<description>'; do
    grep -qF "$field" <<<"$nuspec" || fail "$id.nuspec lacks $field"
  done
  # Libraries depend on managed TorchSharp only: the native backend is the application's choice.
  if grep -Eio 'id="(TorchSharp-[a-z-]+|libtorch[a-z0-9.-]*)"' <<<"$nuspec"; then fail "$id depends on a native backend"; fi
  case $id in
    Vit.Inference)
      # Apps that only classify ship without TorchSharp: no TorchSharp, no Vit.Core (which brings it).
      if grep -Eio 'id="(TorchSharp[a-z.-]*|Vit\.Core)"' <<<"$nuspec"; then fail "$id depends on TorchSharp or Vit.Core"; fi
      grep -q 'id="Microsoft.ML.OnnxRuntime" version="1.31.1"' <<<"$nuspec" || fail "$id does not depend on ONNX Runtime 1.31.1"
      echo "   $id: lib/net8.0 + lib/net10.0 with XML docs, README, MIT, repository, tags, snupkg; ONNX Runtime + SkiaSharp, no TorchSharp";;
    Vit.Onnx)
      grep -q "id=\"Vit.Core\" version=\"$version\"" <<<"$nuspec" || fail "$id does not depend on Vit.Core $version"
      grep -q 'id="Google.Protobuf" version="3.36.2"' <<<"$nuspec" || fail "$id does not depend on Google.Protobuf 3.36.2"
      grep -q " licenses/LICENSE-onnx.txt\$" <<<"$listing" || fail "$id package lacks ONNX's licence for the generated protobuf classes"
      echo "   $id: lib/net8.0 + lib/net10.0 with XML docs, README, MIT (+ ONNX's Apache-2.0 for onnx.proto), snupkg; Vit.Core + Google.Protobuf + ONNX Runtime (calibration)";;
    *)
      grep -q 'id="TorchSharp" version="0.107.0"' <<<"$nuspec" || fail "$id does not depend on TorchSharp 0.107.0"
      echo "   $id: lib/net8.0 + lib/net10.0 with XML docs, README, MIT, repository, tags, snupkg; depends on managed TorchSharp";;
  esac
done
core="$(unzip -l "$feed/Vit.Core.$version.nupkg")"
for entry in buildTransitive/Vit.Core.targets buildTransitive/Vit.LinuxLoadFix.targets buildTransitive/LinuxLoadFix.cs; do
  grep -q " $entry\$" <<<"$core" || fail "Vit.Core package lacks $entry"
done
data_nuspec="$(unzip -p "$feed/Vit.Data.$version.nupkg" Vit.Data.nuspec)"
grep -q "id=\"Vit.Core\" version=\"$version\"" <<<"$data_nuspec" || fail "Vit.Data does not depend on Vit.Core $version"

# The isolation files (Directory.Build.*, Directory.Packages.props) and the repository's package sources plus the
# local feed are all a consumer gets from the repository.
cp "$here"/Directory.Build.props "$here"/Directory.Build.targets "$here"/Directory.Packages.props "$work/"
cp "$root/nuget.config" "$work/nuget.config"
dotnet nuget add source "$feed" --name vit-local --configfile "$work/nuget.config" >/dev/null

echo "== the vit tool: pack, install from the feed, export the model folder, bad input"
[[ -n "${VIT_CONSUMER_MODEL:-}" ]] || fail "set VIT_CONSUMER_MODEL to a model folder (config.json + model.safetensors) for the vit tool to export"
dotnet pack "$root/src/Vit.Cli/Vit.Cli.csproj" -c Release -p:PackageVersion="$version" -o "$feed" --nologo -v:q
tool_listing="$(unzip -l "$feed/Vit.Cli.$version.nupkg")"
for entry in tools/net10.0/any/vit.dll tools/net10.0/any/DotnetToolSettings.xml; do
  grep -q " $entry\$" <<<"$tool_listing" || fail "Vit.Cli package lacks $entry"
done
echo "   Vit.Cli: $(( $(stat -c %s "$feed/Vit.Cli.$version.nupkg") / 1048576 )) MB (libtorch's CPU build for this OS inside)"
dotnet tool install Vit.Cli --version "$version" --tool-path "$work/tools" --configfile "$work/nuget.config"
"$work/tools/vit" export "$VIT_CONSUMER_MODEL" "$work/exported" --outputs logits,embeddings
[[ -s "$work/exported/model.onnx" && -s "$work/exported/config.json" ]] || fail "vit export wrote no model.onnx + config.json"
"$work/tools/vit" classify "$work/exported" "${VIT_CONSUMER_IMAGE:-$root/tests/Vit.Inference.Tests/Fixtures/images/rgb_50x40.png}"
set +e
"$work/tools/vit" export "$work/no-such-folder" "$work/never" 2>"$work/vit-bad.err"
code=$?
set -e
[[ $code == 2 && ! -e "$work/never" && $(wc -l <"$work/vit-bad.err") == 1 ]] && grep -q '^error: ' "$work/vit-bad.err" \
  || fail "vit export of a missing folder: expected exit code 2, one error line and nothing written; got $code: $(cat "$work/vit-bad.err")"
export VIT_CONSUMER_EMBED_MODEL="$work/exported"
export VIT_CONSUMER_IMAGES="${VIT_CONSUMER_IMAGES:-$root/tests/Vit.Inference.Tests/Fixtures/images}"

consumers=0
for source in "$here"/*/; do
  csproj=("$source"*.csproj)
  [[ -f "${csproj[0]}" ]] || continue
  name="$(basename "${csproj[0]}" .csproj)"
  app="$work/$name"
  consumers=$((consumers + 1))
  echo "== $name: restore, build and run outside the repository ($app)"
  mkdir -p "$app"
  cp "$source"*.cs "${csproj[0]}" "$app/"
  dotnet restore "$app/$name.csproj" -p:VitVersion="$version" --nologo -v:q
  dotnet build "$app/$name.csproj" -c Release --no-restore -p:VitVersion="$version" --nologo -v:q
  dotnet "$app/bin/Release/net10.0/$name.dll"
  if [[ $name == Vit.Consumer.Inference || $name == Vit.Consumer.Embedding ]]; then
    # An app with only Vit.Inference: its publish folder must hold no TorchSharp/libtorch and stay under 150 MB.
    # Publish with a runtime identifier (-r): without one every RID's natives ship (issue 23: 312 MB instead of 39 MB).
    dotnet publish "$app/$name.csproj" -c Release -r linux-x64 --self-contained false -p:VitVersion="$version" -o "$work/$name-publish" --nologo -v:q
    if find "$work/$name-publish" -iname '*torch*' | grep -q .; then fail "$name: the publish folder holds TorchSharp/libtorch files"; fi
    size_mb=$(( $(du -sk "$work/$name-publish" | cut -f1) / 1024 ))
    ((size_mb < 150)) || fail "$name: the publish folder is $size_mb MB (limit 150)"
    dotnet "$work/$name-publish/$name.dll" >/dev/null || fail "$name: the published app failed"
    echo "== $name: publish folder $size_mb MB, no TorchSharp or libtorch"
  fi

  so="$app/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so"
  if [[ "$(uname -s)" == Linux && -f "$so" ]] && command -v readelf >/dev/null; then
    grep -q "buildTransitive/Vit.Core.targets" "$app/obj/$name.csproj.nuget.g.targets" \
      || fail "$name: the restore did not import Vit.Core's buildTransitive targets"
    # awk reads to the end: exiting at the first match would SIGPIPE ldconfig, and pipefail would fail the script.
    libstdcxx="$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found { print $NF; found = 1 }')"
    if [[ -n "$libstdcxx" ]] && ! grep -qa GLIBCXX_3.4.32 "$libstdcxx"; then
      versions="$(readelf -V "$so")"
      grep -q "Name: GLIBCXX_3.4.32  Flags: WEAK" <<<"$versions" \
        || fail "$name: this libstdc++ lacks GLIBCXX_3.4.32 but the consumer's libLibTorchSharp.so was not patched"
      echo "== $name: libLibTorchSharp.so was patched by Vit.Core's buildTransitive targets (GLIBCXX_3.4.32 weak)"
      dotnet build "$app/$name.csproj" -c Release --no-restore -p:VitVersion="$version" \
        -p:VitLinuxLoadFix=false -o "$work/$name-unpatched" --nologo -v:q
      versions="$(readelf -V "$work/$name-unpatched/runtimes/linux-x64/native/libLibTorchSharp.so")"
      if grep -q "GLIBCXX_3.4.32  Flags: WEAK" <<<"$versions"; then
        fail "$name: -p:VitLinuxLoadFix=false did not turn the fix off"
      fi
      echo "== $name: with -p:VitLinuxLoadFix=false the library is left as shipped"
    else
      echo "== $name: this libstdc++ has GLIBCXX_3.4.32: the load fix has nothing to do here"
    fi
  fi
done
((consumers > 0)) || fail "no consumer app found in $here"
echo "consumer check passed ($version, $consumers consumer apps)"
