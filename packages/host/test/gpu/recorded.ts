// nvidia-smi output as recorded on real machines (`--format=csv,noheader,nounits`).

export const ONE_GPU =
  '0, GPU-3b2a0c7e-5f1d-9a4c-8e21-6d0f7b9c1a52, NVIDIA GeForce RTX 3090, 37, 10240, 24576, 62, 187.35\n'

export const FOUR_A100 = [
  '0, GPU-1f6f2c1a-0b7e-4c55-a2c3-9a1d7e6b4f01, NVIDIA A100-SXM4-40GB, 100, 38130, 40960, 58, 312.51',
  '1, GPU-7c9e5d2b-3a4f-4e18-b6d0-2f8c1a9e7d02, NVIDIA A100-SXM4-40GB, 0, 3, 40960, 31, 54.12',
  '2, GPU-a2d4f6e8-1b3c-4d5e-8f70-6a9b8c7d5e03, NVIDIA A100-SXM4-40GB, 87, 20480, 40960, 55, 280.04',
  '3, GPU-e5f7a9b1-c3d5-4e6f-9a1b-3c5d7e9f1a04, NVIDIA A100-SXM4-40GB, 0, 3, 40960, 30, 52.77',
  '',
].join('\n')

/** A GeForce GT 710 (no utilization or power readings) and a laptop GPU in a container. */
export const NA_FIELDS = [
  '0, GPU-5e1f3a7c-9b2d-4c6e-8a0f-1d3b5c7e9a11, NVIDIA GeForce GT 710, [N/A], 284, 2048, 40, [N/A]',
  '1, GPU-0a2c4e6f-8b1d-3f5a-7c9e-2b4d6f8a0c12, NVIDIA GeForce MX150, [Not Supported], [Not Supported], [Not Supported], 45, [N/A]',
  '',
].join('\n')

export const APPS = '4242, 10198\n4250, 2048\n5001, [N/A]\n'
