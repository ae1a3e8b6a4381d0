"""The Japanese text of the starter: its markdown cells and the comments of its code cells.

Only prose is translated. Code, parameter names and the names of published tables and columns
stay as in English, so a Japanese run's metrics compare with an English one's.
"""

from __future__ import annotations

# The starter's markdown cells in the order of `starter.STARTER_BODY`.
MARKDOWN_JA: list[str] = [
    """
    # プロセスマイニング スターター

    イベントログは 1 行が 1 イベントで、ケース ID、アクティビティ、タイムスタンプを持ちます
    （リソースや金額などのケース属性があれば、それも使います）。このノートブックでは、
    プロセスマップを描き、バリアントを一覧にし、スループット時間を測り、ボトルネックと
    手戻りを見つけ、誰がどれだけ作業しているかを示し、ケースが遅くなるかどうかを早い段階で
    予測するモデルを学習します。下のパラメーターを変更するか、実行時に指定してください。

    *表示* だけを変えるパラメーター（`top_n_bottlenecks`、`map_*`）は指標を変えないため、
    実行どうしをそのまま比較できます。
    """,
    "## 概要",
    """
    ## プロセスマップ

    ボックスはアクティビティ、矢印は直接後続関係（あるケースで、あるアクティビティの直後に
    別のアクティビティが続いた回数）です。mindzie を入れた JupyterLab ではマップを操作でき、
    頻度とパフォーマンス（待ち時間の中央値）を切り替えたり、スライダーでアクティビティと
    パスを絞り込んだりできます。
    """,
    "## バリアント\n\nケースがたどった経路の種類です。多い順に上位 10 件を示します。",
    "## スループット時間\n\nケースの最初のイベントから最後のイベントまでの時間です。",
    """
    ## ボトルネック

    待ち時間の中央値が最も長い遷移です。結果アクティビティ（`outcome_activities`。
    ここでの待ちは顧客側の時間です）と終了アクティビティ（発生の大半がケースの最後になる
    もの）への遷移は除き、`min_transition_share` より少ない割合のケースでしか現れない遷移
    （ボトルネックと呼ぶには稀すぎるもの）も除きます。表には上位 `top_n_bottlenecks` 件を
    示します。
    """,
    """
    ## 手戻りとリソース

    手戻りとは、同じケースで同じアクティビティをもう一度行うことです。手戻りループの時間は、
    そのアクティビティの最初の実行から最後の繰り返しまでです。作業負荷は、誰がどれだけ
    作業しているか、そして各リソースのイベントの前に作業がどれだけ待たされているかを
    示します。
    """,
    """
    ## 遅いケースの予測モデル（最初のイベントだけから）

    ケースが遅くなることを早い段階で見分けられるでしょうか。完了したケース（結果
    アクティビティに達したケース）のスループット時間の中央値を超えるケースを *遅い*
    ケースとします。モデルが見るのは、ケースの最初の `early_events_k` 件のイベントだけです。
    どのアクティビティを誰が行い、どれだけ時間がかかったか、受け付けた曜日、そして数値の
    属性（金額など）です。ケースの終わりの情報は一切入らないため、進行中のケースも
    `early_events_k` 件のイベントがそろった時点で予測できます。正解率は学習に使わなかった
    ケースで測り、常に多いほうのクラスを答える場合のベースラインと並べて示します。
    """,
    """
    ## 強化テーブル

    イベントログには `event_index`（ケース内での順番）、`waiting_time_hours`（ケースの
    直前のイベントからの時間）、`is_rework`（このケースで同じアクティビティをすでに
    行っている）、`is_bottleneck`（最悪のボトルネック遷移を終えるイベント）の列が
    加わります。

    ケーステーブルは 1 ケース 1 行で、次の派生列を持ちます。
    - `customer_segment`: 融資額の大きさ。`small`（金額 10,000 未満）、`medium`
      （25,000 未満）、`large` のいずれかで、`amount` 列がなければ `unknown` です。
    - `journey_score`: 0～100。このケースより時間がかかったケースの割合を、手戻りに
      費やした時間の割合で割り引いたものです（100 は手戻りのない速いケース）。
    - `anomaly_flag`: スループット時間が上側の境界（第 3 四分位数 + 1.5 × 四分位範囲）を
      超えているか、ケースの 0.2 % 未満しかたどっていないバリアントです。
    - `slow_probability`: ケースが遅くなる確率のモデルによる予測（scikit-learn がある場合）。
    """,
    """
    ## プロセスマイニングの指標

    どの数値も表示用のパラメーターには左右されません。`processEfficiency` は、すべての
    ケースの時間（スループット時間の合計）のうち、手戻りループに費やされて **いない**
    時間の割合（%）です。ループの時間は、同じケースでのアクティビティの最初の実行から
    最後の繰り返しまでです。`firstTimeRight` は手戻りが一度もないケースの割合です。
    `bottleneckActivities` は、ボトルネックのランキングで上位 `top_n_bottlenecks` 件の
    遷移の行き先のアクティビティです。
    """,
]

# The English comments (and the docstring) of the starter's code cells, and their Japanese.
COMMENTS_JA: dict[str, str] = {
    '"""The mindzie dataset `dataset_id`, else the file `dataset_path`, else a sample of the demo log."""': (
        '"""mindzie のデータセット `dataset_id`、なければファイル `dataset_path`、'
        'それもなければデモログのサンプル。"""'
    ),
    "# what the enrichment adds is measured against these": "# 強化で加わる列は、この列と比べて判定します",
    "# timestamps parsed, sorted by case and time": "# タイムスタンプを解析し、ケースと時刻の順に並べます",
}
